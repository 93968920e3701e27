package io.cohort.destination;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Reads and acknowledges the {@code outbox} table (schema: db/002-audience.xml). Only the
 * dispatcher of an activation writes delivery columns of that activation's rows; the audience
 * stage writes {@code action, seq, payload, email, changed_at}. Every acknowledgement is conditional on
 * {@code seq}, so a row the audience stage changed meanwhile stays pending.
 */
public final class OutboxStore {
    private static final int MAX_ERROR = 2000;
    private final Jdbi jdbi;

    public OutboxStore(Jdbi jdbi) { this.jdbi = jdbi; }

    /**
     * The first pending rows of an activation in seq order, whatever their backoff. Ordered by the
     * pending index's columns from the first, so that H2 walks the index instead of sorting.
     */
    public List<OutboxRow> head(String activationId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT activation_id, person_id, action, seq, payload, changed_at, delivered_seq,
                               delivered_action, attempts, next_attempt_at, last_error
                        FROM outbox WHERE activation_id = :a AND seq > delivered_seq
                        ORDER BY activation_id, seq LIMIT :n""")
                .bind("a", activationId).bind("n", limit)
                .map((rs, ctx) -> new OutboxRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getInt(9),
                        rs.getLong(10), rs.getString(11)))
                .list());
    }

    /**
     * Of these emails (trimmed, lower case), which people the activation wants in its audience
     * now, delivered or not: email → person ids.
     */
    public Map<String, java.util.Set<String>> wantedEmails(String activationId, Collection<String> emails) {
        Map<String, java.util.Set<String>> out = new java.util.HashMap<>();
        if (emails.isEmpty()) return out;
        List<String> all = List.copyOf(emails);
        jdbi.useHandle(h -> {
            for (int i = 0; i < all.size(); i += 500) {
                h.createQuery("SELECT email, person_id FROM outbox WHERE activation_id = :a AND email IN (<emails>) AND action = 'add'")
                        .bind("a", activationId).bindList("emails", all.subList(i, Math.min(all.size(), i + 500)))
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                        .forEach(e -> out.computeIfAbsent(e.getKey(), k -> new java.util.TreeSet<>()).add(e.getValue()));
            }
        });
        return out;
    }

    /**
     * Before sending, notes that the destination may now hold these people even if the call
     * fails half-way: a later remove must then be sent, not skipped.
     */
    public void markAttemptedAdds(Collection<OutboxRow> adds) {
        if (adds.isEmpty()) return;
        jdbi.useHandle(h -> {
            PreparedBatch b = h.prepareBatch("""
                    UPDATE outbox SET delivered_action = 'add'
                    WHERE activation_id = :a AND person_id = :p AND delivered_action IS NULL""");
            for (OutboxRow r : adds) b.bind("a", r.activationId()).bind("p", r.personId()).add();
            b.execute();
        });
    }

    /** Removes of people never sent: done without calling the destination. */
    public void markSkipped(Collection<OutboxRow> rows, long now) {
        if (rows.isEmpty()) return;
        jdbi.useHandle(h -> {
            PreparedBatch b = h.prepareBatch("""
                    UPDATE outbox SET delivered_seq = :seq, delivered_at = :now, attempts = 0,
                                      next_attempt_at = 0, last_error = NULL
                    WHERE activation_id = :a AND person_id = :p AND seq = :seq AND delivered_action IS NULL""");
            for (OutboxRow r : rows) b.bind("a", r.activationId()).bind("p", r.personId()).bind("seq", r.seq()).bind("now", now).add();
            b.execute();
        });
    }

    /**
     * Acknowledges a delivered batch. {@code errors} maps person id → rejection reason (stored in
     * last_error; the row still counts as delivered so it does not block the activation). A row
     * whose seq moved meanwhile keeps its delivered_seq (stays pending) but records the action that
     * reached the destination.
     */
    public void markDelivered(Collection<OutboxRow> rows, Map<String, String> errors, long now) {
        if (rows.isEmpty()) return;
        jdbi.useHandle(h -> {
            PreparedBatch b = h.prepareBatch("""
                    UPDATE outbox SET
                        delivered_seq = CASE WHEN seq = :seq THEN :seq ELSE delivered_seq END,
                        attempts = CASE WHEN seq = :seq THEN 0 ELSE attempts END,
                        next_attempt_at = 0,
                        delivered_action = :action, delivered_at = :now, last_error = :err
                    WHERE activation_id = :a AND person_id = :p""");
            for (OutboxRow r : rows) {
                b.bind("a", r.activationId()).bind("p", r.personId()).bind("seq", r.seq())
                        .bind("action", r.action()).bind("now", now)
                        .bind("err", truncate(errors.get(r.personId()))).add();
            }
            b.execute();
        });
    }

    /** Records a failed attempt; the rows stay pending until {@code nextAttemptAt}. */
    public void markFailed(Collection<OutboxRow> rows, String error, long nextAttemptAt) {
        if (rows.isEmpty()) return;
        jdbi.useHandle(h -> {
            PreparedBatch b = h.prepareBatch("""
                    UPDATE outbox SET attempts = attempts + 1, last_error = :err, next_attempt_at = :next
                    WHERE activation_id = :a AND person_id = :p AND seq = :seq""");
            for (OutboxRow r : rows) {
                b.bind("a", r.activationId()).bind("p", r.personId()).bind("seq", r.seq())
                        .bind("err", truncate(error)).bind("next", nextAttemptAt).add();
            }
            b.execute();
        });
    }

    /** Makes every row of the activation pending again, due now. Returns the number of rows. */
    public int replay(String activationId) {
        return jdbi.withHandle(h -> h.createUpdate(
                        "UPDATE outbox SET delivered_seq = 0, attempts = 0, next_attempt_at = 0 WHERE activation_id = :a")
                .bind("a", activationId).execute());
    }

    /** Clears the backoff of the activation's pending rows (an operator fixed something). */
    public void retryNow(String activationId) {
        jdbi.useHandle(h -> h.createUpdate(
                        "UPDATE outbox SET next_attempt_at = 0 WHERE activation_id = :a AND seq > delivered_seq")
                .bind("a", activationId).execute());
    }

    public long pendingCount(String activationId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM outbox WHERE activation_id = :a AND seq > delivered_seq")
                .bind("a", activationId).mapTo(Long.class).one());
    }

    /**
     * Where an activation's rows stand, for operators. A row counts once, by its latest state.
     *
     * @param pending    waiting for delivery (seq &gt; delivered_seq)
     * @param delivered  latest state delivered (or a remove that needed no call), not refused
     * @param rejected   latest state delivered but refused by the destination (reason in last_error)
     * @param inAudience delivered adds: the people the destination holds
     */
    public record Counts(long pending, long delivered, long rejected, long inAudience) {}

    /** One row the destination refused: whom, what was asked, why, when (epoch ms). */
    public record Refused(String personId, String action, String reason, long at) {}

    public Counts counts(String activationId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT COALESCE(SUM(CASE WHEN seq > delivered_seq THEN 1 ELSE 0 END), 0),
                               COALESCE(SUM(CASE WHEN seq = delivered_seq AND last_error IS NULL THEN 1 ELSE 0 END), 0),
                               COALESCE(SUM(CASE WHEN seq = delivered_seq AND last_error IS NOT NULL THEN 1 ELSE 0 END), 0),
                               COALESCE(SUM(CASE WHEN seq = delivered_seq AND last_error IS NULL
                                                  AND delivered_action = 'add' THEN 1 ELSE 0 END), 0)
                        FROM outbox WHERE activation_id = :a""")
                .bind("a", activationId)
                .map((rs, ctx) -> new Counts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))).one());
    }

    /** The latest rows the destination refused, newest first. */
    public List<Refused> refused(String activationId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT person_id, action, last_error, delivered_at FROM outbox
                        WHERE activation_id = :a AND seq = delivered_seq AND last_error IS NOT NULL
                        ORDER BY delivered_at DESC, person_id LIMIT :n""")
                .bind("a", activationId).bind("n", limit)
                .map((rs, ctx) -> new Refused(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))).list());
    }

    /** Epoch ms of the activation's latest delivery, or null. */
    public Long lastDeliveredAt(String activationId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT MAX(delivered_at) FROM outbox WHERE activation_id = :a")
                .bind("a", activationId).mapTo(Long.class).findOne().orElse(null));
    }

    private static String truncate(String s) {
        return s == null || s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
    }
}
