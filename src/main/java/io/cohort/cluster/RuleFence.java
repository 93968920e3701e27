package io.cohort.cluster;

import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The rule set the cluster has applied (cluster_rules). A worker commits results only when they
 * were computed with that version: a process that has not yet loaded a rule edit, or loaded one
 * the cluster has not applied, holds its work until its rules and the cluster's agree.
 */
public final class RuleFence {
    private final Jdbi jdbi;

    public RuleFence(Jdbi jdbi) { this.jdbi = jdbi; }

    /** Makes {@code version} the cluster's rule set: from the next commit on, only results computed with it count. */
    public void apply(String version, long nowMillis) {
        jdbi.useTransaction(h -> apply(h, version, nowMillis));
    }

    /** Within the caller's transaction, after {@link #lock}. */
    void apply(Handle h, String version, long nowMillis) {
        if (h.execute("UPDATE cluster_rules SET version = ?, applied_at = ? WHERE id = 1", version, nowMillis) == 0) {
            h.execute("INSERT INTO cluster_rules (id, version, applied_at) VALUES (1, ?, ?)", version, nowMillis);
        }
    }

    /**
     * Within an apply's transaction, first: two applies at once take turns, so the stored files
     * and the applied version always belong together (the last apply wins both).
     */
    void lock(Handle h) {
        // A transaction-scoped advisory lock: it also orders the very first applies, when no row exists to lock.
        h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:key)) l").bind("key", APPLY_LOCK).mapTo(Integer.class).one();
    }

    /** The advisory lock key of rule applies ("cohort-rules" in ASCII). */
    private static final long APPLY_LOCK = 0x636f686f72742d72L;

    public Optional<String> applied() {
        return jdbi.withHandle(this::applied);
    }

    /** Within the caller's transaction (after {@link #lock}, the version no other apply changes meanwhile). */
    Optional<String> applied(Handle h) {
        return h.createQuery("SELECT version FROM cluster_rules WHERE id = 1").mapTo(String.class).findOne();
    }

    /**
     * Within a commit's transaction: whether results of {@code version} may be committed. The row
     * is read with a shared lock, so an apply waits for commits in flight and no commit of the old
     * version follows it.
     */
    boolean admits(Handle h, String version) {
        return h.createQuery("SELECT version FROM cluster_rules WHERE id = 1 FOR SHARE").mapTo(String.class).findOne()
                .map(version::equals).orElse(false);
    }
}
