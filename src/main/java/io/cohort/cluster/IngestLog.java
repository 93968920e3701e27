package io.cohort.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * All SQL of cluster_ingest_log: the accepted batches of every process, numbered. An append
 * holds the table's lock until it commits, so batches become visible in number order and a reader
 * that has read up to n never misses a smaller number committed later. PostgreSQL only.
 */
public final class IngestLog {
    /** One stored entry of the log, as read: its records ({@link Entry}), or why they cannot be read ({@link Unreadable}). */
    public sealed interface Logged permits Entry, Unreadable {
        long seq();

        String source();
    }

    /** One accepted batch: its number, source and canonical records as received (validated). */
    public record Entry(long seq, String source, List<JsonNode> records) implements Logged {}

    /**
     * An entry whose stored text is not a JSON array of records (appends never write one; a hand
     * edit can): its text as stored, and why it is not an entry. Returned, not thrown, so that the
     * readers can pass it (GraphFeed quarantines it) instead of stopping at it for good.
     */
    public record Unreadable(long seq, String source, String text, String reason) implements Logged {}

    private final Jdbi jdbi;
    private final ObjectMapper mapper;

    public IngestLog(Jdbi jdbi, ObjectMapper mapper) {
        this.jdbi = jdbi;
        this.mapper = mapper;
    }

    /** Appends a validated batch durably; returns its number. */
    public long append(String source, List<JsonNode> records, long nowMillis) {
        return jdbi.inTransaction(h -> append(h, source, records, nowMillis));
    }

    /**
     * Appends within the caller's transaction (the service stores the batch's source records in
     * the same one): the table stays locked for appends until that transaction ends.
     */
    public long append(Handle h, String source, List<JsonNode> records, long nowMillis) {
        ArrayNode array = mapper.createArrayNode();
        records.forEach(array::add);
        String json;
        try {
            json = mapper.writeValueAsString(array);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // EXCLUSIVE blocks other appends, not readers: numbers commit in order.
        h.execute("LOCK TABLE cluster_ingest_log IN EXCLUSIVE MODE");
        long seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM cluster_ingest_log").mapTo(Long.class).one();
        h.execute("INSERT INTO cluster_ingest_log (seq, source, records, received_at) VALUES (?, ?, ?, ?)",
                seq, source, json, nowMillis);
        // Delivered when (and if) this transaction commits: every process's feed reads it at once (LogSignal).
        h.execute("NOTIFY " + LogSignal.CHANNEL);
        return seq;
    }

    /** Up to {@code limit} entries after {@code seq}, in order, an unreadable one among them as such. */
    public List<Logged> after(long seq, int limit) {
        List<String[]> rows = jdbi.withHandle(h -> h.createQuery(
                        "SELECT seq, source, records FROM cluster_ingest_log WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(0, seq).bind(1, limit)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}).list());
        List<Logged> out = new ArrayList<>(rows.size());
        for (String[] r : rows) out.add(read(Long.parseLong(r[0]), r[1], r[2]));
        return out;
    }

    private Logged read(long seq, String source, String text) {
        if (text == null) return new Unreadable(seq, source, "", "its stored text is NULL, not a list of records");
        JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return new Unreadable(seq, source, text, "its stored text is not JSON (" + e.getOriginalMessage() + ")");
        }
        // Appends store a bare array; anything else (an object, a string, null) would be misread as records.
        if (tree == null || !tree.isArray()) {
            String what = tree == null || tree.isMissingNode() ? "empty" : "a JSON " + tree.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
            return new Unreadable(seq, source, text, "its stored text is " + what + ", not a list of records");
        }
        List<JsonNode> records = new ArrayList<>(tree.size());
        tree.forEach(records::add);
        return new Entry(seq, source, records);
    }

    /**
     * Starts the log after batch {@code storeLast} when single mode stored batches the log does not
     * hold: a database single mode filled (an empty log), or one the cluster left, single mode
     * used, and the cluster takes back (the log ends before the store). The log is then one empty
     * entry numbered {@code storeLast + 1}, so that processes load the store up to
     * {@code storeLast} (as after a truncation) and later batches number on from it: a log with a
     * gap would be replayed past the missing batches, and numbered after its own end it would
     * reuse single mode's numbers. Every entry deleted is in the store (an append writes both in
     * one transaction). Returns false, changing nothing, when the log reaches {@code storeLast}
     * already (in cluster mode it always does; or another process converted it).
     */
    public boolean beginAfter(long storeLast, long nowMillis) {
        return jdbi.inTransaction(h -> {
            h.execute("LOCK TABLE cluster_ingest_log IN EXCLUSIVE MODE");
            long last = h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM cluster_ingest_log").mapTo(Long.class).one();
            if (last >= storeLast) return false;
            h.execute("DELETE FROM cluster_ingest_log");
            h.execute("INSERT INTO cluster_ingest_log (seq, source, records, received_at) VALUES (?, ?, ?, ?)",
                    storeLast + 1, CONVERSION, "[]", nowMillis);
            return true;
        });
    }

    /** The source named by the entry that starts a log after single mode's batches. */
    public static final String CONVERSION = "(single mode)";

    /** When entry {@code seq} was received; empty when the log does not hold it (not yet, or no longer). */
    public java.util.Optional<Long> receivedAt(long seq) {
        return jdbi.withHandle(h -> h.createQuery("SELECT received_at FROM cluster_ingest_log WHERE seq = ?").bind(0, seq)
                .mapTo(Long.class).findOne());
    }

    /** The oldest entry still held (those before it were truncated); 0 when the log is empty. */
    public long first() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MIN(seq), 0) FROM cluster_ingest_log").mapTo(Long.class).one());
    }

    /**
     * Deletes the oldest entries: those up to the newest entry at or before {@code upTo} received
     * before {@code receivedBefore}, as one prefix (times from several processes' clocks need not
     * rise with the numbers, and the log must stay gap-free after its first entry), always keeping
     * the newest entry (appends number from it). Returns the entries deleted.
     */
    public int truncate(long upTo, long receivedBefore) {
        return jdbi.inTransaction(h -> {
            long cut = h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM cluster_ingest_log WHERE seq <= ? AND received_at < ? "
                            + "AND seq < (SELECT MAX(seq) FROM cluster_ingest_log)")
                    .bind(0, upTo).bind(1, receivedBefore).mapTo(Long.class).one();
            return cut == 0 ? 0 : h.execute("DELETE FROM cluster_ingest_log WHERE seq <= ?", cut);
        });
    }

    public long last() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM cluster_ingest_log").mapTo(Long.class).one());
    }
}
