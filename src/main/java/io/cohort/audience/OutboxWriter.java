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
final class OutboxWriter {
    private final Handle h;
    private final ObjectMapper mapper;
    private final long at;
    private final Map<String, Object[]> rows = new LinkedHashMap<>();

    OutboxWriter(Handle h, ObjectMapper mapper, long at) {
        this.h = h;
        this.mapper = mapper;
        this.at = at;
    }

    /** @param member true: the person should be in the destination's audience; false: not */
    void want(String activationId, String personId, boolean member, long seq, PersonSnapshot p) {
        rows.put(activationId + "\u0000" + personId,
                new Object[] {activationId, personId, member ? "add" : "remove", seq, p});
    }

    void flush() {
        for (Object[] r : rows.values()) {
            String activation = (String) r[0];
            String person = (String) r[1];
            String action = (String) r[2];
            PersonSnapshot p = (PersonSnapshot) r[4];
            String current = h.createQuery("SELECT action FROM outbox WHERE activation_id = ? AND person_id = ?")
                    .bind(0, activation).bind(1, person).mapTo(String.class).findOne().orElse(null);
            if (current == null) {
                // Never exported: nothing to remove.
                if (action.equals("remove")) continue;
                h.execute("INSERT INTO outbox (activation_id, person_id, action, seq, payload, changed_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?)", activation, person, action, r[3], payload(p), at);
            } else if (current.equals(action)) {
                continue; // already wanted (and delivered or pending): sending again changes nothing
            } else if (p != null) {
                h.execute("UPDATE outbox SET action = ?, seq = ?, payload = ?, changed_at = ?, attempts = 0, "
                        + "next_attempt_at = 0 WHERE activation_id = ? AND person_id = ?",
                        action, r[3], payload(p), at, activation, person);
            } else {
                h.execute("UPDATE outbox SET action = ?, seq = ?, changed_at = ?, attempts = 0, next_attempt_at = 0 "
                        + "WHERE activation_id = ? AND person_id = ?", action, r[3], at, activation, person);
            }
        }
        rows.clear();
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
