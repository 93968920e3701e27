package io.cohort.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.RecordChange;
import io.cohort.ingest.SourceRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Durable source records. Each batch is one transaction: committed before the caller
 * acknowledges it, so an acknowledged record survives a crash. Not safe for several service
 * instances writing one database at once (batch sequence numbers are handed out in memory).
 */
public final class RecordStore {
    private final Jdbi jdbi;
    private final ObjectMapper mapper;
    private final AtomicLong batchSeq;
    private final boolean h2Merge;

    public RecordStore(Jdbi jdbi, ObjectMapper mapper) {
        this.jdbi = jdbi;
        this.mapper = mapper;
        this.h2Merge = jdbi.withHandle(RecordStore::productName).equals("H2");
        this.batchSeq = new AtomicLong(jdbi.withHandle(h ->
                h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM ingest_batch").mapTo(Long.class).one()));
    }

    /**
     * Stores one batch atomically; within a batch the last change of a key wins.
     *
     * @return the batch's sequence number
     */
    public long append(String source, List<RecordChange> changes, long receivedAtMillis) {
        Map<String, RecordChange> last = new LinkedHashMap<>();
        for (RecordChange c : changes) last.put(c.type().wireName() + "\u0000" + c.key(), c);
        long seq = batchSeq.incrementAndGet();
        List<String[]> inserts = new ArrayList<>();
        int deletes = 0;
        for (RecordChange c : last.values()) {
            if (c instanceof RecordChange.Upsert u) {
                inserts.add(new String[] {u.type().wireName(), u.key(), json(u.record())});
            } else {
                deletes++;
            }
        }
        int upserts = inserts.size();
        int deleteCount = deletes;
        List<RecordChange> removals = h2Merge
                ? last.values().stream().filter(ch -> ch instanceof RecordChange.Delete).toList()
                : List.copyOf(last.values());
        jdbi.useTransaction(h -> {
            try {
                write(h.getConnection(), source, seq, removals, inserts);
            } catch (SQLException e) {
                throw new IllegalStateException("storing batch " + seq + " failed: " + e.getMessage(), e);
            }
            h.execute("INSERT INTO ingest_batch (seq, source, received_at, upserts, deletes) VALUES (?, ?, ?, ?, ?)",
                    seq, source, receivedAtMillis, upserts, deleteCount);
        });
        return seq;
    }

    /**
     * Plain JDBC batches: JDBI's per-argument binding was a tenth of the request threads' CPU. On H2
     * one MERGE per record replaces DELETE + INSERT; other databases keep DELETE + INSERT.
     */
    private void write(Connection c, String source, long seq, List<RecordChange> removals, List<String[]> inserts)
            throws SQLException {
        if (!removals.isEmpty()) {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?")) {
                for (RecordChange ch : removals) {
                    del.setString(1, source);
                    del.setString(2, ch.type().wireName());
                    del.setString(3, ch.key());
                    del.addBatch();
                }
                del.executeBatch();
            }
        }
        if (inserts.isEmpty()) return;
        try (PreparedStatement ins = c.prepareStatement(h2Merge
                ? "MERGE INTO source_record (source, rtype, rkey, payload, batch_seq) KEY (source, rtype, rkey) VALUES (?, ?, ?, ?, ?)"
                : "INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, ?, ?, ?, ?)")) {
            for (String[] r : inserts) {
                ins.setString(1, source);
                ins.setString(2, r[0]);
                ins.setString(3, r[1]);
                ins.setString(4, r[2]);
                ins.setLong(5, seq);
                ins.addBatch();
            }
            ins.executeBatch();
        }
    }

    /** Streams every stored record in arrival order (used to rebuild the profiles at start). */
    public void forEach(Consumer<StoredRecord> consumer) {
        jdbi.useHandle(h -> h.createQuery("SELECT source, payload, batch_seq FROM source_record ORDER BY batch_seq")
                .setFetchSize(2_000)
                // Interned: a handful of source ids, otherwise one String per stored record in memory.
                .map((rs, ctx) -> new StoredRecord(rs.getString(1).intern(), parse(rs.getString(2)), rs.getLong(3)))
                .useStream(s -> s.forEach(consumer)));
    }

    private static String productName(org.jdbi.v3.core.Handle h) {
        try {
            return h.getConnection().getMetaData().getDatabaseProductName();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read database metadata: " + e.getMessage(), e);
        }
    }

    public long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record").mapTo(Long.class).one());
    }

    public long lastBatchSeq() { return batchSeq.get(); }

    private String json(SourceRecord r) {
        try {
            return mapper.writerFor(SourceRecord.class).writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize record " + r.key(), e);
        }
    }

    private SourceRecord parse(String json) {
        try {
            return mapper.readValue(json, SourceRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored record is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
