package io.cohort.cluster;

import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A lease in PostgreSQL (cluster_lease): at most one holder per name at a time. Names say what is
 * held: {@code dispatch:<activation>} (an activation's outbox), {@code work-relay}, {@code clock},
 * {@code pull:<source>} (a pulled source's connector). A holder renews before expiry; when it dies
 * the lease expires and another process takes it over with a higher token. The token fences: a
 * write guarded by {@link #stillHeld} or, inside the write's own transaction, {@link #fence} under
 * an older token is refused.
 */
public final class ClusterLease {
    /** Who holds a lease, as stored; {@code expiresAt} in the holder's wall-clock millis. */
    public record Holder(String node, long token, long expiresAt) {}

    /** A write under a lease this process no longer holds (taken over, expired or released): nothing of it was stored. */
    public static final class Lost extends RuntimeException {
        public Lost(String name, long token) {
            super("lease " + name + " (token " + token + ") is no longer held by this process; the write was refused");
        }
    }

    private final Jdbi jdbi;
    private final String holder;
    private final long durationMillis;

    /** Per lease name: after a failed round, this process does not take it again before then (millis). */
    private final java.util.Map<String, Long> steppedBackUntil = new java.util.concurrent.ConcurrentHashMap<>();

    public ClusterLease(Jdbi jdbi, String holder, long durationMillis) {
        this.jdbi = jdbi;
        this.holder = holder;
        this.durationMillis = durationMillis;
    }

    /**
     * Takes or renews the lease {@code name}. Succeeds when nobody holds it, this process holds
     * it, or the holder let it expire.
     *
     * @return the fencing token while held by this process
     */
    public Optional<Long> acquire(String name, long nowMillis) {
        if (nowMillis < steppedBackUntil.getOrDefault(name, 0L)) return Optional.empty();
        for (int attempt = 0; ; attempt++) {
            try {
                return jdbi.inTransaction(h -> {
                    var row = h.createQuery("SELECT holder, token, expires_at FROM cluster_lease WHERE name = ? FOR UPDATE")
                            .bind(0, name).map((rs, ctx) -> new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3)}).findOne();
                    if (row.isEmpty()) {
                        h.execute("INSERT INTO cluster_lease (name, holder, token, expires_at) VALUES (?, ?, 1, ?)",
                                name, holder, nowMillis + durationMillis);
                        return Optional.of(1L);
                    }
                    String current = (String) row.get()[0];
                    long token = (Long) row.get()[1];
                    long expires = (Long) row.get()[2];
                    if (current.equals(holder) && expires > nowMillis) {
                        h.execute("UPDATE cluster_lease SET expires_at = ? WHERE name = ?", nowMillis + durationMillis, name);
                        return Optional.of(token);
                    }
                    if (expires > nowMillis) return Optional.<Long>empty();
                    h.execute("UPDATE cluster_lease SET holder = ?, token = ?, expires_at = ? WHERE name = ?",
                            holder, token + 1, nowMillis + durationMillis, name);
                    return Optional.of(token + 1);
                });
            } catch (RuntimeException e) {
                if (attempt >= 3) throw e; // two first inserts at once: the loser reads the winner's row
            }
        }
    }

    /** Whether this process still holds {@code name} under {@code token} at {@code nowMillis}. */
    public boolean stillHeld(String name, long token, long nowMillis) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM cluster_lease WHERE name = ? AND holder = ? AND token = ? "
                + "AND expires_at > ?").bind(0, name).bind(1, holder).bind(2, token).bind(3, nowMillis).mapTo(Integer.class).one() == 1);
    }

    /**
     * Within the caller's write transaction: refuses ({@link Lost}) unless this process still holds
     * {@code name} under {@code token} and it has not expired. The row is read FOR SHARE, so a
     * takeover (which updates it) waits until this transaction ends: the write commits before
     * the new holder starts, or is refused.
     */
    public void fence(Handle h, String name, long token, long nowMillis) {
        boolean held = h.createQuery("SELECT 1 FROM cluster_lease WHERE name = ? AND holder = ? AND token = ? AND expires_at > ? FOR SHARE")
                .bind(0, name).bind(1, holder).bind(2, token).bind(3, nowMillis).mapTo(Integer.class).findOne().isPresent();
        if (!held) throw new Lost(name, token);
    }

    /** The current holder of {@code name}, expired or not; empty when nobody ever took it. */
    public Optional<Holder> holder(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT holder, token, expires_at FROM cluster_lease WHERE name = ?").bind(0, name)
                .map((rs, ctx) -> new Holder(rs.getString(1), rs.getLong(2), rs.getLong(3))).findOne());
    }

    /**
     * After a failed round of the work {@code name} guards (Kafka unreachable from this process):
     * releases the lease and does not take it again for a third of its duration, so that another
     * process takes over (they poll at least that often); if none does, this one tries again then.
     * A holder that renews its lease while failing would stop that work for the whole cluster.
     * A release that fails too is added to {@code cause} (the lease then expires by itself).
     *
     * @return how long (millis) this process leaves the lease to others
     */
    public long stepBack(String name, long nowMillis, RuntimeException cause) {
        long millis = durationMillis / 3;
        steppedBackUntil.put(name, nowMillis + millis);
        try {
            release(name);
        } catch (RuntimeException releaseFailed) {
            cause.addSuppressed(releaseFailed);
        }
        return millis;
    }

    /** Gives the lease up at once (a clean stop), so another process need not wait for expiry. */
    public void release(String name) {
        jdbi.useHandle(h -> h.execute("UPDATE cluster_lease SET expires_at = 0 WHERE name = ? AND holder = ?", name, holder));
    }
}
