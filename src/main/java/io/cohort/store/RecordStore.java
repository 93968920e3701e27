package io.cohort.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Durable source records. Each batch is one transaction: committed before the caller
 * acknowledges it, so an acknowledged record survives a crash. {@link #append} numbers batches in
 * memory (one process per database); several processes writing one database number them with
 * {@link #appendNumbered} (cluster mode).
 */
public final class RecordStore {
    private final Jdbi jdbi;
    private final ObjectMapper mapper;
    private final AtomicLong batchSeq;
    private final Quarantine quarantine;
    private final RemovedRecords removed;
    /** When the last committed batch was received: with its number, what a graph snapshot is a copy of. */
    private volatile long lastBatchAt;
    private volatile String storeId;

    public RecordStore(Jdbi jdbi, ObjectMapper mapper) {
        this.jdbi = jdbi;
        this.mapper = mapper;
        this.quarantine = new Quarantine(jdbi);
        this.removed = new RemovedRecords(jdbi);
        this.batchSeq = new AtomicLong(jdbi.withHandle(h ->
                h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM ingest_batch").mapTo(Long.class).one()));
        this.lastBatchAt = jdbi.withHandle(h -> h.createQuery("SELECT received_at FROM ingest_batch WHERE seq = ?")
                .bind(0, batchSeq.get()).mapTo(Long.class).findOne().orElse(0L));
    }

    /**
     * Stores one batch atomically; within a batch the last change of a key wins.
     *
     * @return the batch's sequence number
     */
    public long append(String source, List<RecordChange> changes, long receivedAtMillis) {
        return appendWithCursor(source, changes, receivedAtMillis, Map.of());
    }

    /**
     * Stores one batch and a pull connector's new cursors (stream → value, null deletes it) in the
     * same transaction: after a crash either both are there or neither, so the connector resumes
     * right after the last page it stored, losing nothing and storing nothing twice.
     *
     * @return the batch's sequence number
     */
    public long appendWithCursor(String source, List<RecordChange> changes, long receivedAtMillis,
                                 Map<String, String> cursors) {
        return append(source, changes, receivedAtMillis, cursors, null);
    }

    /**
     * Where batch numbers come from when several processes write one database (cluster mode):
     * called first inside the batch's transaction, it hands out the number (and may write rows of
     * its own, e.g. the cluster's ingest log), holding whatever lock keeps numbers in commit order.
     */
    @FunctionalInterface
    public interface Numbering {
        long next(org.jdbi.v3.core.Handle h);
    }

    /**
     * Stores one batch like {@link #appendWithCursor}, numbered by {@code numbering} inside the same
     * transaction: the batch and whatever the numbering writes commit together or not at all.
     */
    public long appendNumbered(String source, List<RecordChange> changes, long receivedAtMillis, Map<String, String> cursors,
                               Numbering numbering) {
        return append(source, changes, receivedAtMillis, cursors, java.util.Objects.requireNonNull(numbering));
    }

    private long append(String source, List<RecordChange> changes, long receivedAtMillis, Map<String, String> cursors,
                        Numbering numbering) {
        Map<String, RecordChange> last = new LinkedHashMap<>();
        for (RecordChange c : changes) last.put(c.type().wireName() + "\u0000" + c.key(), c);
        long local = numbering == null ? batchSeq.incrementAndGet() : 0;
        List<String[]> inserts = new ArrayList<>();
        List<String[]> keys = new ArrayList<>(last.size());
        List<String[]> deleted = new ArrayList<>();
        for (RecordChange c : last.values()) {
            String[] key = {c.type().wireName(), c.key()};
            keys.add(key);
            if (c instanceof RecordChange.Upsert u) {
                inserts.add(new String[] {u.type().wireName(), u.key(), json(u.record())});
            } else {
                deleted.add(key);
            }
        }
        int deletes = deleted.size();
        int upserts = inserts.size();
        int deleteCount = deletes;
        long seq = jdbi.inTransaction(h -> {
            long n = numbering == null ? local : numbering.next(h);
            PreparedBatch del = h.prepareBatch("DELETE FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?");
            for (RecordChange c : last.values()) del.add(source, c.type().wireName(), c.key());
            del.execute();
            // A graph (or its snapshot) may hold any deleted key: a start from an older snapshot learns of it here.
            RemovedRecords.forget(h, source, keys);
            RemovedRecords.removed(h, source, deleted, n);
            if (!inserts.isEmpty()) {
                PreparedBatch ins = h.prepareBatch(
                        "INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, ?, ?, ?, ?)");
                for (String[] r : inserts) ins.add(source, r[0], r[1], r[2], n);
                ins.execute();
            }
            h.execute("INSERT INTO ingest_batch (seq, source, received_at, upserts, deletes, removals_recorded) VALUES (?, ?, ?, ?, ?, TRUE)",
                    n, source, receivedAtMillis, upserts, deleteCount);
            if (!cursors.isEmpty()) CursorStore.write(h, source, cursors, receivedAtMillis);
            return n;
        });
        if (numbering != null) batchSeq.accumulateAndGet(seq, Math::max);
        lastBatchAt = receivedAtMillis;
        return seq;
    }

    private static final int DECODE_CHUNK = 2_000;

    /**
     * Streams every stored record in arrival order (used to rebuild the profiles at start), to the
     * consumer on the calling thread. Decoding the JSON was most of a cold start on one thread: it
     * runs on a small pool, chunk by chunk, while this thread reads rows and hands out results in order.
     * A row that cannot be decoded (an unreadable payload, a type this version does not know) is
     * moved to the {@link #quarantine()} and left out, so that one bad row never stops a start.
     */
    public void forEach(Consumer<StoredRecord> consumer) { forEachAfter(0, consumer); }

    /**
     * As {@link #forEach}, for the records last stored by batches after {@code after} (a start
     * that read a snapshot of batch {@code after}): those rows only, by the batch index.
     */
    public void forEachAfter(long after, Consumer<StoredRecord> consumer) {
        int decoders = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(decoders, r -> {
            Thread t = new Thread(r, "cohort-store-decode");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<List<Decoded>>> inFlight = new ArrayDeque<>();
        try {
            List<String[]> chunk = new ArrayList<>(DECODE_CHUNK);
            // A page at a time (WholeTableReads): otherwise 25M rows at 1M people are read, into memory
            // (PostgreSQL) or a temporary file (H2), before the first is handed out.
            // Batches start at 1: a whole load keeps the query it always ran.
            WholeTableReads.stream(jdbi, h -> afterBatch(h, after)
                    .setFetchSize(2_000)
                    .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)})
                    .useStream(s -> s.forEach(row -> {
                        chunk.add(row);
                        if (chunk.size() < DECODE_CHUNK) return;
                        List<String[]> rows = List.copyOf(chunk);
                        chunk.clear();
                        inFlight.add(pool.submit(() -> decode(rows)));
                        // Bounded read-ahead: memory stays at a few chunks, whatever the store holds.
                        while (inFlight.size() > 2 * decoders) deliver(inFlight.poll(), consumer);
                    })));
            if (!chunk.isEmpty()) {
                List<String[]> rows = List.copyOf(chunk);
                inFlight.add(pool.submit(() -> decode(rows)));
            }
            while (!inFlight.isEmpty()) deliver(inFlight.poll(), consumer);
        } finally {
            inFlight.forEach(f -> f.cancel(true));
            pool.shutdownNow();
        }
    }

    /** The stored rows of batches after {@code after} (every row for 0), in batch order. */
    private static org.jdbi.v3.core.statement.Query afterBatch(org.jdbi.v3.core.Handle h, long after) {
        if (after <= 0) return h.createQuery("SELECT source, payload, batch_seq, rtype, rkey FROM source_record ORDER BY batch_seq");
        return h.createQuery("SELECT source, payload, batch_seq, rtype, rkey FROM source_record WHERE batch_seq > ? ORDER BY batch_seq")
                .bind(0, after);
    }

    /** A decoded row, or the row and why it could not be decoded. */
    private record Decoded(StoredRecord record, String[] row, String failure) {}

    private List<Decoded> decode(List<String[]> rows) {
        List<Decoded> out = new ArrayList<>(rows.size());
        // Interned: a handful of source ids, otherwise one String per stored record stays in memory.
        for (String[] r : rows) {
            try {
                SourceRecord record = r[1] == null ? null : parse(r[1]);
                if (record == null) throw new IllegalStateException("stored record is unreadable: its payload is null");
                out.add(new Decoded(new StoredRecord(r[0].intern(), record, Long.parseLong(r[2])), null, null));
            } catch (RuntimeException e) {
                out.add(new Decoded(null, r, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        return out;
    }

    private void deliver(Future<List<Decoded>> f, Consumer<StoredRecord> consumer) {
        try {
            for (Decoded d : f.get()) {
                if (d.record() != null) {
                    consumer.accept(d.record());
                } else {
                    quarantine.move(d.row()[0], d.row()[3], d.row()[4], d.failure());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the store", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Moves a stored record that could not be applied at start to the {@link #quarantine()}, with
     * the failure as its reason (for the loader: one bad record must not stop a start).
     */
    public void quarantine(StoredRecord r, Throwable failure) {
        String reason = failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        quarantine.move(r.source(), r.record().type().wireName(), r.record().key(), "could not be applied: " + reason);
    }

    /** Records that could not be loaded, moved out of the store. */
    public Quarantine quarantine() { return quarantine; }

    /** The stored record of (source, type, key), if any: the read side of an acknowledged write. */
    public Optional<StoredRecord> find(String source, String type, String key) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT source, payload, batch_seq FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?")
                .bind(0, source).bind(1, type).bind(2, key)
                .map((rs, ctx) -> new StoredRecord(rs.getString(1), parse(rs.getString(2)), rs.getLong(3)))
                .findOne());
    }

    /** Keys of a source's stored records of one type that start with {@code prefix}, in key order. */
    public List<String> keys(String source, String type, String prefix) {
        String like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT rkey FROM source_record WHERE source = ? AND rtype = ? AND rkey LIKE ? ESCAPE '\\' ORDER BY rkey")
                .bind(0, source).bind(1, type).bind(2, like).mapTo(String.class).list());
    }

    /**
     * The stored JSON of every record of one type, streamed (field discovery counts values over
     * them), in a transaction of its own, a page at a time ({@link WholeTableReads}):
     * a batch committed meanwhile may or may not be seen.
     */
    public void payloads(String type, Consumer<String> each) {
        WholeTableReads.stream(jdbi, h -> h.createQuery("SELECT payload FROM source_record WHERE rtype = ?").bind(0, type)
                .setFetchSize(2_000).mapTo(String.class).useStream(s -> s.forEach(each)));
    }

    /** Keys removed from the store, with the batch that removed each ({@link RemovedRecords}). */
    public RemovedRecords removed() { return removed; }

    /** When batch {@code seq} was received; empty when the store has no such batch. */
    public java.util.OptionalLong receivedAt(long seq) {
        return jdbi.withHandle(h -> h.createQuery("SELECT received_at FROM ingest_batch WHERE seq = ?").bind(0, seq)
                .mapTo(Long.class).findOne().map(java.util.OptionalLong::of).orElse(java.util.OptionalLong.empty()));
    }

    /**
     * How many batches after {@code after} deleted records without recording the removals (written
     * by a version before {@link RemovedRecords}): a snapshot of batch {@code after} cannot be
     * caught up across them. Reads the rows of those batches only.
     */
    public long batchesWithUnrecordedRemovals(long after) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ingest_batch WHERE seq > ? AND deletes > 0 "
                + "AND (removals_recorded IS NULL OR NOT removals_recorded)").bind(0, after).mapTo(Long.class).one());
    }

    public long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record").mapTo(Long.class).one());
    }

    public long lastBatchSeq() { return batchSeq.get(); }

    /**
     * Where the store stands: which store, its last batch and when that was received. Answered
     * from memory once the id is known (at shutdown the database may already be closed).
     */
    public record Position(String storeId, long lastBatch, long lastBatchAt) {}

    public Position position() {
        if (storeId == null) storeId = storeId();
        return new Position(storeId, batchSeq.get(), lastBatchAt);
    }

    /**
     * This store's random id, given on first use (a graph snapshot names the store it copies).
     * Processes of a cluster may start on a new database at once: the first insert wins and the
     * others read its id (their insert fails on the key; the failed statement ends its own
     * transaction, so the id is read again in another).
     */
    private String storeId() {
        java.util.Optional<String> known = readStoreId();
        if (known.isPresent()) return known.get();
        String id = java.util.UUID.randomUUID().toString();
        try {
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO store_identity (id, store_id, created_at) VALUES (1, ?, ?)")
                    .bind(0, id).bind(1, System.currentTimeMillis()).execute());
            return id;
        } catch (RuntimeException e) {
            return readStoreId().orElseThrow(() -> e);
        }
    }

    private java.util.Optional<String> readStoreId() {
        return jdbi.withHandle(h -> h.createQuery("SELECT store_id FROM store_identity WHERE id = 1").mapTo(String.class).findOne());
    }

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
