package io.cohort.store;

import java.util.Collection;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Table {@code source_record_removed}: the keys of source records no longer in
 * {@code source_record}, each with the batch that removed it. A delete leaves no row behind, so a
 * start from a graph snapshot of batch N learns here which records it holds that the store has
 * since removed ({@code batch_seq > N}). Written in the transaction of the removal itself, by
 * every writer that removes a row a graph may hold; an upsert of the key removes its row again,
 * so the table holds only keys now absent (at most one row each).
 */
public final class RemovedRecords {
    /** A key removed by batch {@code batch}. */
    public record Removal(String source, String type, String key, long batch) {}

    private final Jdbi jdbi;

    RemovedRecords(Jdbi jdbi) { this.jdbi = jdbi; }

    /**
     * Within a batch's transaction, before its rows are written: every key of it is present again
     * or removed again by this batch, so no older removal of it stays.
     */
    static void forget(Handle h, String source, Collection<String[]> typeAndKey) {
        PreparedBatch del = h.prepareBatch("DELETE FROM source_record_removed WHERE source = ? AND rtype = ? AND rkey = ?");
        for (String[] k : typeAndKey) del.add(source, k[0], k[1]);
        if (del.size() > 0) del.execute();
    }

    /** Within the removal's transaction: (source, type, key) was removed by batch {@code batch} (forgotten before). */
    static void removed(Handle h, String source, Collection<String[]> typeAndKey, long batch) {
        PreparedBatch ins = h.prepareBatch("INSERT INTO source_record_removed (source, rtype, rkey, batch_seq) VALUES (?, ?, ?, ?)");
        for (String[] k : typeAndKey) ins.add(source, k[0], k[1], batch);
        if (ins.size() > 0) ins.execute();
    }

    /**
     * Within a quarantine's transaction, before the rows batch {@code batch} wrote are deleted:
     * each is a removal by that batch (a snapshot of an earlier batch may hold the record's older
     * version). Present keys have no removal row, so none is replaced.
     */
    static void removedRowsOf(Handle h, long batch) {
        h.execute("INSERT INTO source_record_removed (source, rtype, rkey, batch_seq) "
                + "SELECT source, rtype, rkey, batch_seq FROM source_record WHERE batch_seq = ?", batch);
    }

    /** The removals by batches after {@code after} up to {@code upTo}, in batch order, to {@code each}. */
    public void after(long after, long upTo, Consumer<Removal> each) {
        jdbi.useHandle(h -> h.createQuery("SELECT source, rtype, rkey, batch_seq FROM source_record_removed "
                        + "WHERE batch_seq > ? AND batch_seq <= ? ORDER BY batch_seq")
                .bind(0, after).bind(1, upTo)
                .map((rs, ctx) -> new Removal(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
                .useStream(s -> s.forEach(each)));
    }

    /**
     * Forgets the removals by batches up to {@code upTo}: once the only graph snapshot is of a
     * later batch, no start needs them. Returns how many.
     */
    public int prune(long upTo) {
        return jdbi.withHandle(h -> h.execute("DELETE FROM source_record_removed WHERE batch_seq <= ?", upTo));
    }

    /** How many are kept (tests, the log). */
    public long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record_removed").mapTo(Long.class).one());
    }
}
