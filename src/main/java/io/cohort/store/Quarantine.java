package io.cohort.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored records that could not be loaded (table {@code source_record_quarantine}). A row that
 * fails to decode or to apply at start is moved here, out of {@code source_record}, so that it
 * never stops a start again and nothing of it is lost: the operator lists it
 * ({@code GET /v1/sources/quarantine}), fixes it at its source and sends it again, then discards
 * the entry.
 */
public final class Quarantine {
    private static final Logger LOG = LoggerFactory.getLogger(Quarantine.class);
    /** Each quarantined record is logged once; past this many in one run, only counted. */
    private static final int LOGGED_PER_RUN = 100;
    private static final int MAX_REASON = 2_000;

    /** One quarantined record; {@code payload} is the stored text as it was (it may not be JSON). */
    public record Entry(long id, String source, String type, String key, long batch, String reason,
                        Instant quarantinedAt, String payload) {}

    private final Jdbi jdbi;
    private final AtomicInteger movedThisRun = new AtomicInteger();

    public Quarantine(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Moves the stored record (source, type, key) here with the reason, in one transaction.
     *
     * @return false when no such record is stored (nothing moved)
     */
    public boolean move(String source, String type, String key, String reason) {
        String why = clip(reason == null || reason.isBlank() ? "(no reason given)" : reason, MAX_REASON);
        long now = System.currentTimeMillis();
        boolean moved = jdbi.inTransaction(h -> {
            Optional<Object[]> row = h.createQuery(
                            "SELECT payload, batch_seq FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?")
                    .bind(0, source).bind(1, type).bind(2, key)
                    .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getLong(2)}).findFirst();
            if (row.isEmpty()) return false;
            h.execute("INSERT INTO source_record_quarantine (source, rtype, rkey, payload, batch_seq, reason, quarantined_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", source, type, key, row.get()[0], row.get()[1], why, now);
            h.execute("DELETE FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?", source, type, key);
            // The graph never held this version, but a snapshot of an earlier batch may hold an older one.
            List<String[]> k = List.<String[]>of(new String[] {type, key});
            RemovedRecords.forget(h, source, k);
            RemovedRecords.removed(h, source, k, (Long) row.get()[1]);
            return true;
        });
        if (!moved) {
            LOG.error("could not quarantine {} {} '{}' ({}): no such stored record", source, type, abbreviate(key), why);
            return false;
        }
        int n = movedThisRun.incrementAndGet();
        if (n <= LOGGED_PER_RUN) {
            LOG.error("quarantined stored record {} {} '{}': {}. It is no longer loaded; see GET /v1/sources/quarantine",
                    source, type, abbreviate(key), why);
        } else if (n == LOGGED_PER_RUN + 1) {
            LOG.error("more than {} stored records quarantined; the others are counted (metric cohort.store.quarantined), not logged",
                    LOGGED_PER_RUN);
        }
        return true;
    }

    /**
     * A record of the cluster's ingest log that the graph feed leaves out (it no longer parses or
     * applies): entry {@code seq}, its {@code index}-th record (from 0), as much of its type and key
     * as can be read, its JSON text and why. {@code ownsStoredRow}: no later record of the entry
     * has the same type and key, so a source_record row of (source, type, key) written by this
     * entry is this record's.
     */
    public record LogRecord(long seq, int index, String source, String type, String key, String payload, String reason,
                            boolean ownsStoredRow) {}

    /**
     * Quarantines a skipped log record unless some process did already: every process replays the
     * same entry, at every start, and the (seq, index) row of cluster_log_skip makes the first one
     * win. The record's stored row, if this entry wrote it, is removed in the same transaction, so
     * that the read API and field discovery stop serving what the graph does not hold. PostgreSQL
     * and H2 alike.
     *
     * @return true when this call quarantined it, false when it was quarantined before
     */
    public boolean skipFromLog(LogRecord r) {
        String why = clip(r.reason() == null || r.reason().isBlank() ? "(no reason given)" : r.reason(), MAX_REASON);
        long now = System.currentTimeMillis();
        return firstSkip(r.seq(), r.index(), now, h -> {
            h.execute("INSERT INTO source_record_quarantine (source, rtype, rkey, payload, batch_seq, reason, quarantined_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", r.source(), clip(r.type(), 40), clip(r.key(), 1024), r.payload(), r.seq(), why, now);
            // Cluster mode: no graph fed from the log holds this record, but a single-mode
            // snapshot of an earlier batch may hold the key's older version.
            if (r.ownsStoredRow() && h.execute("DELETE FROM source_record WHERE source = ? AND rtype = ? AND rkey = ? AND batch_seq = ?",
                    r.source(), r.type(), r.key(), r.seq()) > 0) {
                RemovedRecords.removed(h, r.source(), List.<String[]>of(new String[] {r.type(), r.key()}), r.seq());
            }
            return 0;
        }).isPresent();
    }

    /**
     * A whole entry of the cluster's ingest log that the graph feed leaves out: its stored text
     * ({@code text}, kept as it is) is not a list of records, for {@code reason}.
     */
    public record LogEntry(long seq, String source, String text, String reason) {}

    /** The type and key under which a whole skipped log entry is listed. */
    public static final String LOG_ENTRY_TYPE = "(log entry)";

    public static String logEntryKey(long seq) { return "(ingest log entry " + seq + ")"; }

    /**
     * As {@link #skipFromLog(LogRecord)} for a whole entry (cluster_log_skip's record index -1),
     * once across the cluster: its text is quarantined, and the stored records it wrote that are
     * still current move here with it, in the same transaction, each listed on its own (no graph
     * holds them, so the store must not serve or load them; here they are kept for the operator).
     *
     * @return how many stored records moved with it; empty when it was quarantined before
     */
    public Optional<Integer> skipEntryFromLog(LogEntry e) {
        String why = clip(e.reason() == null || e.reason().isBlank() ? "(no reason given)" : e.reason(), MAX_REASON);
        String stored = clip("stored by ingest log entry " + e.seq() + ", which every graph feed skips whole (" + why
                + "): no graph holds this record; send it again", MAX_REASON);
        long now = System.currentTimeMillis();
        return firstSkip(e.seq(), -1, now, h -> {
            h.execute("INSERT INTO source_record_quarantine (source, rtype, rkey, payload, batch_seq, reason, quarantined_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", e.source(), LOG_ENTRY_TYPE, logEntryKey(e.seq()), e.text(), e.seq(), why, now);
            h.execute("INSERT INTO source_record_quarantine (source, rtype, rkey, payload, batch_seq, reason, quarantined_at) "
                    + "SELECT source, rtype, rkey, payload, batch_seq, ?, ? FROM source_record WHERE batch_seq = ? "
                    + "ORDER BY source, rtype, rkey", stored, now, e.seq());
            // As for one record: a single-mode snapshot of an earlier batch may hold older versions.
            RemovedRecords.removedRowsOf(h, e.seq());
            return h.execute("DELETE FROM source_record WHERE batch_seq = ?", e.seq());
        });
    }

    /**
     * Runs {@code quarantine} in the transaction that inserts the (seq, index) row of
     * cluster_log_skip, unless another process did first; returns what it returned, or empty.
     */
    private Optional<Integer> firstSkip(long seq, int index, long now, org.jdbi.v3.core.HandleCallback<Integer, RuntimeException> quarantine) {
        try {
            return Optional.of(jdbi.inTransaction(h -> {
                // First: a second process blocks here until the first commits, then fails on the key.
                h.execute("INSERT INTO cluster_log_skip (seq, record_index, skipped_at) VALUES (?, ?, ?)", seq, index, now);
                return quarantine.withHandle(h);
            }));
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            if (e.getCause() instanceof java.sql.SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) return Optional.empty();
            throw e;
        }
    }

    /** SQLSTATE of a unique or primary key violation, in PostgreSQL and H2. */
    private static final String UNIQUE_VIOLATION = "23505";

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** Records moved here by this process (since it started). */
    public int movedThisRun() { return movedThisRun.get(); }

    /** Entries after {@code afterId}, oldest first. */
    public List<Entry> list(long afterId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, source, rtype, rkey, batch_seq, reason, quarantined_at, payload "
                        + "FROM source_record_quarantine WHERE id > ? ORDER BY id LIMIT ?")
                .bind(0, afterId).bind(1, limit)
                .map((rs, ctx) -> new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getString(6), Instant.ofEpochMilli(rs.getLong(7)), rs.getString(8)))
                .list());
    }

    public long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record_quarantine").mapTo(Long.class).one());
    }

    /** Drops an entry the operator has dealt with; false when there is none with that id. */
    public boolean discard(long id) {
        return jdbi.withHandle(h -> h.execute("DELETE FROM source_record_quarantine WHERE id = ?", id)) > 0;
    }

    private static String abbreviate(String s) { return clip(s, 200); }
}
