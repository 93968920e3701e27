package io.cohort.audience;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.PersonSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Writes the wanted state of (activation, person) rows within the caller's transaction. Latest
 * state wins: a row is updated in place, and becomes pending again (seq > delivered_seq).
 */
public final class OutboxWriter {
    private final Handle h;
    private final ObjectMapper mapper;
    private final long at;
    private final Map<String, Want> rows = new LinkedHashMap<>();

    /** The wanted state of one (activation, person) row. */
    private record Want(String activation, String person, String action, long seq, PersonSnapshot snapshot) {}

    public OutboxWriter(Handle h, ObjectMapper mapper, long at) {
        this.h = h;
        this.mapper = mapper;
        this.at = at;
    }

    /** @param member true: the person should be in the destination's audience; false: not */
    public void want(String activationId, String personId, boolean member, long seq, PersonSnapshot p) {
        rows.put(activationId + "\u0000" + personId, new Want(activationId, personId, member ? "add" : "remove", seq, p));
    }

    public void flush() {
        Map<String, String> current = currentActions();
        for (Want w : rows.values()) {
            String now = current.get(w.activation() + "\u0000" + w.person());
            if (now == null) {
                // Never exported: nothing to remove.
                if (w.action().equals("remove")) continue;
                h.execute("INSERT INTO outbox (activation_id, person_id, action, seq, payload, email, changed_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)", w.activation(), w.person(), w.action(), w.seq(), payload(w.snapshot()),
                        email(w.snapshot()), at);
            } else if (now.equals(w.action())) {
                continue; // already wanted (and delivered or pending): sending again changes nothing
            } else if (w.snapshot() != null) {
                h.execute("UPDATE outbox SET action = ?, seq = ?, payload = ?, email = ?, changed_at = ?, attempts = 0, "
                        + "next_attempt_at = 0 WHERE activation_id = ? AND person_id = ?",
                        w.action(), w.seq(), payload(w.snapshot()), email(w.snapshot()), at, w.activation(), w.person());
            } else {
                h.execute("UPDATE outbox SET action = ?, seq = ?, changed_at = ?, attempts = 0, next_attempt_at = 0 "
                        + "WHERE activation_id = ? AND person_id = ?", w.action(), w.seq(), at, w.activation(), w.person());
            }
        }
        rows.clear();
    }

    /**
     * The current action of every row this flush touches, read in chunks per activation: one
     * query per row made a start-up round (every member of every activation) a query per member.
     */
    private Map<String, String> currentActions() {
        Map<String, List<String>> byActivation = new LinkedHashMap<>();
        rows.values().forEach(w -> byActivation.computeIfAbsent(w.activation(), k -> new java.util.ArrayList<>()).add(w.person()));
        Map<String, String> out = new java.util.HashMap<>();
        byActivation.forEach((activation, people) -> {
            for (int i = 0; i < people.size(); i += CHUNK) {
                h.createQuery("SELECT person_id, action FROM outbox WHERE activation_id = :a AND person_id IN (<people>)")
                        .bind("a", activation).bindList("people", people.subList(i, Math.min(people.size(), i + CHUNK)))
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                        .forEach(e -> out.put(activation + "\u0000" + e.getKey(), e.getValue()));
            }
        });
        return out;
    }

    private static final int CHUNK = 500;

    /** The searchable email (see OutboxStore#wantedEmails): normalized as unified ids are, null when none. */
    private static String email(PersonSnapshot p) {
        String e = p == null ? null : io.cohort.identity.UnifiedIds.normalizeEmail(p.email());
        return e == null || e.isEmpty() ? null : MembershipRows.storable(e); // lower case can be longer than the column
    }

    private String payload(PersonSnapshot p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("email", p == null ? null : p.email());
        m.put("identities", p == null ? Map.<String, List<String>>of() : p.identities());
        try {
            return mapper.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
