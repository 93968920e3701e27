package io.cohort.destination;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.store.MigratedTemplates;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;

/**
 * A fresh in-memory H2 database with the real schema, and writes to the outbox as the audience
 * stage does them (latest state wins, global seq). Reusable by end-to-end tests.
 */
public final class OutboxFixture {
    public final Jdbi jdbi;
    private final AtomicLong seq = new AtomicLong();
    private final ObjectMapper mapper = new ObjectMapper();

    public OutboxFixture() {
        jdbi = Jdbi.create(MigratedTemplates.h2Memory("outbox"));
    }

    /** The person enters the activation's audience. Returns the seq written. */
    public long add(String activation, String person, String email, Map<String, List<String>> identities) {
        return write(activation, person, "add", email, identities);
    }

    public long remove(String activation, String person, String email, Map<String, List<String>> identities) {
        return write(activation, person, "remove", email, identities);
    }

    public long write(String activation, String person, String action, String email, Map<String, List<String>> identities) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("email", email);
        payload.put("identities", identities);
        try {
            return writeRaw(activation, person, action, mapper.writeValueAsString(payload));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public long writeRaw(String activation, String person, String action, String payload) {
        long s = seq.incrementAndGet();
        long now = System.currentTimeMillis();
        String email = emailOf(payload);
        jdbi.useTransaction(h -> {
            int n = h.createUpdate("UPDATE outbox SET action = :action, seq = :seq, payload = :payload, email = :email, "
                            + "changed_at = :now WHERE activation_id = :a AND person_id = :p")
                    .bind("action", action).bind("seq", s).bind("payload", payload).bind("email", email).bind("now", now)
                    .bind("a", activation).bind("p", person).execute();
            if (n == 0) {
                h.createUpdate("INSERT INTO outbox (activation_id, person_id, action, seq, payload, email, changed_at) "
                                + "VALUES (:a, :p, :action, :seq, :payload, :email, :now)")
                        .bind("action", action).bind("seq", s).bind("payload", payload).bind("email", email).bind("now", now)
                        .bind("a", activation).bind("p", person).execute();
            }
        });
        return s;
    }

    /** The email column as the audience stage writes it (normalized, null when blank). */
    private String emailOf(String payload) {
        try {
            var e = mapper.readTree(payload).path("email");
            return e.isTextual() && !e.asText().isBlank() ? e.asText().trim().toLowerCase(java.util.Locale.ROOT) : null;
        } catch (Exception notJson) {
            return null;
        }
    }

    public OutboxRow row(String activation, String person) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT activation_id, person_id, action, seq, payload, changed_at, delivered_seq,
                               delivered_action, attempts, next_attempt_at, last_error
                        FROM outbox WHERE activation_id = :a AND person_id = :p""")
                .bind("a", activation).bind("p", person)
                .map((rs, ctx) -> new OutboxRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getInt(9),
                        rs.getLong(10), rs.getString(11)))
                .one());
    }

    public long pending(String activation) {
        return new OutboxStore(jdbi).pendingCount(activation);
    }

    /** Polls until the condition holds or the deadline passes; for asynchronous results. */
    public static void await(String what, Duration deadline, BooleanSupplier condition) {
        Instant end = Instant.now().plus(deadline);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) throw new AssertionError("timed out waiting for: " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }

    public static Map<String, List<String>> ids(String source, String... values) {
        return Map.of(source, List.of(values));
    }
}
