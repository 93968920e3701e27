package io.cohort.cluster;

import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * All SQL of cluster_partition: who owns a partition of the work topic (an epoch bumped on every
 * assignment) and where its work resumes (the offset committed with its results). A commit checks
 * its epoch under the row's lock, so a process that lost a partition without noticing (a long GC
 * pause, a network split) cannot write after the new owner has claimed it.
 */
public final class PartitionClaims {
    /**
     * An owner's claim: write under {@code epoch}; resume at {@code nextOffset} (-1: from the start);
     * evaluate nothing before the local graph holds batch {@code seenBatch}.
     */
    public record Claim(int partition, long epoch, long nextOffset, long seenBatch) {}

    private final Jdbi jdbi;
    private final String topic;

    public PartitionClaims(Jdbi jdbi, String topic) {
        this.jdbi = jdbi;
        this.topic = topic;
    }

    /** Takes the partition over: a new epoch, fencing every earlier owner; where to resume. */
    public Claim claim(int partition, String owner, long nowMillis) {
        for (int attempt = 0; ; attempt++) {
            try {
                return jdbi.inTransaction(h -> {
                    Optional<long[]> row = lock(h, partition);
                    if (row.isEmpty()) {
                        h.execute("INSERT INTO cluster_partition (topic, part, epoch, next_offset, owner, updated_at) "
                                + "VALUES (?, ?, 1, -1, ?, ?)", topic, partition, owner, nowMillis);
                        return new Claim(partition, 1, -1, 0);
                    }
                    long epoch = row.get()[0] + 1;
                    h.execute("UPDATE cluster_partition SET epoch = ?, owner = ?, updated_at = ? WHERE topic = ? AND part = ?",
                            epoch, owner, nowMillis, topic, partition);
                    return new Claim(partition, epoch, row.get()[1], row.get()[2]);
                });
            } catch (RuntimeException e) {
                // Two processes inserting the first row at once: one wins the key, the other claims again.
                if (attempt >= 3) throw e;
            }
        }
    }

    /** Within a commit's transaction: true while {@code epoch} still owns the partition (the row stays locked). */
    boolean holds(Handle h, int partition, long epoch) {
        return lock(h, partition).map(r -> r[0] == epoch).orElse(false);
    }

    /**
     * Within a commit's transaction, after {@link #holds}: the work up to {@code nextOffset} is
     * done, with a graph holding at most batch {@code seenBatch}.
     */
    void advance(Handle h, int partition, long nextOffset, long seenBatch, long nowMillis) {
        h.execute("UPDATE cluster_partition SET next_offset = ?, seen_batch = GREATEST(seen_batch, ?), updated_at = ? "
                + "WHERE topic = ? AND part = ?", nextOffset, seenBatch, nowMillis, topic, partition);
    }

    /** Where each partition resumes (for tests and the status of a cluster). */
    /**
     * Whether every partition's stored offset reached {@code ends} (the topic's end offsets as
     * read at some moment): all work published until then is committed.
     */
    public boolean caughtUp(java.util.Map<Integer, Long> ends) {
        java.util.Map<Integer, Long> stored = nextOffsets();
        for (var e : ends.entrySet()) if (e.getValue() > 0 && stored.getOrDefault(e.getKey(), -1L) < e.getValue()) return false;
        return true;
    }

    public java.util.Map<Integer, Long> nextOffsets() {
        java.util.Map<Integer, Long> out = new java.util.TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT part, next_offset FROM cluster_partition WHERE topic = ?").bind(0, topic)
                .map((rs, ctx) -> java.util.Map.entry(rs.getInt(1), rs.getLong(2))).forEach(e -> out.put(e.getKey(), e.getValue())));
        return out;
    }

    private Optional<long[]> lock(Handle h, int partition) {
        return h.createQuery("SELECT epoch, next_offset, seen_batch FROM cluster_partition WHERE topic = ? AND part = ? FOR UPDATE")
                .bind(0, topic).bind(1, partition)
                .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}).findOne();
    }
}
