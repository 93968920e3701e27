package io.cohort.pipeline;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.Evaluator;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.RecordParser;
import io.cohort.ingest.SourceFactory;
import io.cohort.record.RecordChange;
import io.cohort.store.RecordStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The write path, one way: validate → store (committed) → profile graph → evaluator. One batch
 * at a time, so the store's order and the graph's order are the same.
 */
public final class Pipeline {

    /** The answer to an accepted batch. {@code batch} orders it among all batches. */
    public record Accepted(int accepted, int upserts, int deletes, long batch) {}

    private final Map<String, SourceFactory> sources;
    private final RecordParser parser;
    /** Ids and references in their sources' one form (Salesforce's 15 and 18 characters), before parsing. */
    private final io.cohort.ingest.SourceIds ids;
    private final RecordStore store;
    private final ProfileGraph graph;
    private final Evaluator evaluator;
    /** Cluster mode: set, and then the graph is fed from the journal, not from here. */
    private final Journal journal;
    private final Clock clock;
    private final Meter records;
    private final Timer batches;
    /**
     * Guarded by {@code this}: while the graph is being loaded at start, accepted batches are
     * stored (and acknowledged) but applied to the graph only once it is loaded, in order.
     */
    private boolean loading;
    /** Guarded by {@code this}: set at shutdown; later batches are refused (not stored). */
    private boolean closed;
    private final List<Buffered> buffered = new java.util.ArrayList<>();

    private record Buffered(String source, List<RecordChange> changes, long seq) {}

    public Pipeline(Map<String, SourceFactory> sources, RecordParser parser, RecordStore store, ProfileGraph graph,
                    Evaluator evaluator, Clock clock, MetricRegistry metrics) {
        this(sources, parser, store, graph, evaluator, null, clock, metrics);
    }

    private Pipeline(Map<String, SourceFactory> sources, RecordParser parser, RecordStore store, ProfileGraph graph,
                     Evaluator evaluator, Journal journal, Clock clock, MetricRegistry metrics) {
        this.sources = Map.copyOf(sources);
        // References must name a configured source: one that is not can never join anything. A
        // pipeline built without sources (harnesses replaying generated records) has none to check against.
        this.parser = this.sources.isEmpty() ? parser : parser.checkingReferences(this.sources.keySet());
        this.ids = new io.cohort.ingest.SourceIds(this.sources);
        this.store = store;
        this.graph = graph;
        this.evaluator = evaluator;
        this.journal = journal;
        this.clock = clock;
        this.records = metrics.meter("cohort.ingest.records");
        this.batches = metrics.timer("cohort.ingest.batches");
        this.loading = evaluator != null;
    }

    /**
     * Cluster mode: several processes accept batches for one database. A batch is numbered and
     * written to the {@code journal} in the same transaction as its source records; every
     * process's graph is fed from the journal, so this pipeline applies nothing itself.
     */
    @FunctionalInterface
    public interface Journal {
        /** Within the store's transaction: appends the validated batch as received; returns its number. */
        long append(org.jdbi.v3.core.Handle h, String source, List<JsonNode> canonical, long receivedAtMillis);
    }

    /** For cluster mode: validates, stores and journals; the graph and evaluation follow the journal. */
    public static Pipeline journaled(Map<String, SourceFactory> sources, RecordParser parser, RecordStore store, Journal journal,
                                     Clock clock, MetricRegistry metrics) {
        return new Pipeline(sources, parser, store, null, null, java.util.Objects.requireNonNull(journal), clock, metrics);
    }

    /**
     * For offline bulk loads (the import command): validates and stores like the API, without
     * evaluating; the server evaluates everything in the store when it starts.
     */
    public static Pipeline withoutEvaluation(Map<String, SourceFactory> sources, RecordParser parser, RecordStore store,
                                             ProfileGraph graph, Clock clock, MetricRegistry metrics) {
        return new Pipeline(sources, parser, store, graph, null, clock, metrics);
    }

    public Optional<SourceFactory> source(String id) { return Optional.ofNullable(sources.get(id)); }

    public Map<String, SourceFactory> sources() { return sources; }

    /** Validates and durably accepts a canonical batch (all or nothing). */
    public Accepted ingest(String sourceId, List<JsonNode> canonical) {
        ids.canonicalize(sourceId, canonical);
        List<RecordChange> changes = parser.parse(sourceId, canonical);
        return accept(sourceId, canonical, changes, Map.of(), null);
    }

    /** Maps a native payload, then accepts it like a canonical batch. */
    public Accepted ingestNative(String sourceId, String object, JsonNode payload) throws NativeFormatException {
        List<JsonNode> canonical = List.copyOf(sources.get(sourceId).nativeMapper(sourceId).map(object, payload));
        return ingest(sourceId, canonical);
    }

    /**
     * For pull connectors: validates and accepts a fetched batch like {@link #ingest}, storing the
     * connector's new cursors (stream → value) in the same transaction as the records.
     */
    public Accepted ingestWithCursor(String sourceId, List<JsonNode> canonical, Map<String, String> cursors) {
        ids.canonicalize(sourceId, canonical);
        return accept(sourceId, canonical, parser.parse(sourceId, canonical), cursors, null);
    }

    /**
     * Cluster mode, for a pull connector run under a lease: like {@link #ingestWithCursor}, with
     * {@code guard} called first inside the transaction that stores the records, journals them and
     * writes the cursors; when it throws, none of them is stored (a holder that lost its lease
     * cannot commit a page).
     */
    public Accepted ingestWithCursor(String sourceId, List<JsonNode> canonical, Map<String, String> cursors,
                                     java.util.function.Consumer<org.jdbi.v3.core.Handle> guard) {
        if (journal == null) throw new IllegalStateException("a guarded write needs the cluster's journal (cluster mode)");
        ids.canonicalize(sourceId, canonical);
        return accept(sourceId, canonical, parser.parse(sourceId, canonical), cursors, java.util.Objects.requireNonNull(guard));
    }

    private synchronized Accepted accept(String sourceId, List<JsonNode> canonical, List<RecordChange> changes,
                                         Map<String, String> cursors, java.util.function.Consumer<org.jdbi.v3.core.Handle> guard) {
        if (closed) throw new ClosedException();
        try (Timer.Context t = batches.time()) {
            long now = clock.millis();
            long seq = journal != null
                    ? store.appendNumbered(sourceId, changes, now, cursors, h -> {
                        if (guard != null) guard.accept(h);
                        return journal.append(h, sourceId, canonical, now);
                    })
                    : store.appendWithCursor(sourceId, changes, now, cursors);
            if (journal != null) {
                // The graph follows the journal (cluster mode): nothing to apply here.
            } else if (loading) {
                buffered.add(new Buffered(sourceId, changes, seq));
            } else {
                var touched = graph.apply(sourceId, changes, seq);
                if (evaluator != null) evaluator.submit(touched, seq);
            }
            records.mark(changes.size());
            int deletes = (int) changes.stream().filter(c -> c instanceof RecordChange.Delete).count();
            return new Accepted(changes.size(), changes.size() - deletes, deletes, seq);
        }
    }

    /** Runs {@code read} with no batch being stored meanwhile (e.g. to read where the store stands). */
    public synchronized <T> T between(java.util.function.Supplier<T> read) { return read.get(); }

    /** Refused because the service is shutting down: nothing was stored, the client may retry elsewhere or later. */
    public static final class ClosedException extends RuntimeException {
        public ClosedException() { super("the service is shutting down; nothing of this batch was stored, send it again after the restart"); }
    }

    /**
     * Refuses every later batch and runs {@code last} with the graph and the store at rest
     * (a clean shutdown writes the graph snapshot here: it matches the store exactly).
     */
    public void close(Runnable last) {
        // After a checkpoint being written: its graph lacks the batches it buffered (applied when it ends).
        checkpointing.lock();
        try {
            synchronized (this) {
                closed = true;
                last.run();
            }
        } finally {
            checkpointing.unlock();
        }
    }

    /** Held while a checkpoint writes: {@link #close} waits for it. */
    private final java.util.concurrent.locks.ReentrantLock checkpointing = new java.util.concurrent.locks.ReentrantLock();

    /**
     * Runs {@code atRest} with the graph at rest at the store's position, which it is given (a
     * periodic graph snapshot: a crash restart then catches up from there instead of loading the
     * whole store). Ingestion is not held: batches accepted meanwhile are stored and acknowledged as
     * usual, and applied and evaluated, in order, when {@code atRest} returns, as during a start.
     * What it returns (or null) runs once the graph runs again (e.g. making the written file
     * durable: seconds the graph need not be held for), and before {@link #close} can, so a stop's
     * own snapshot is never overtaken by this one. Returns false, running nothing, while the graph
     * loads or after {@link #close}.
     */
    public boolean checkpointThen(java.util.function.Function<RecordStore.Position, Runnable> atRest) {
        checkpointing.lock();
        try {
            RecordStore.Position at;
            synchronized (this) {
                if (closed || loading) return false;
                at = store.position();
                loading = true;
            }
            Runnable then;
            try {
                then = atRest.apply(at);
            } finally {
                loaded();
            }
            if (then != null) then.run();
            return true;
        } finally {
            checkpointing.unlock();
        }
    }

    /** Rebuilds the profile graph from the whole store (tools and tests). */
    public long loadFromStore() { return loadFromStore(java.time.Instant.MIN, Long.MAX_VALUE, n -> {}); }

    /**
     * Rebuilds the profile graph from the store up to batch {@code upTo}, leaving out events older
     * than {@code eventHorizon}: they can no longer be facts (engine.eventRetention), stay in the
     * database, and would otherwise make memory grow with the whole event history.
     *
     * @param progress told the number of records read so far, every 100,000
     */
    public long loadFromStore(java.time.Instant eventHorizon, long upTo, java.util.function.LongConsumer progress) {
        return loadInto(store, graph, eventHorizon, upTo, progress);
    }

    /**
     * Applies the stored records of batches up to {@code upTo} to {@code graph} (a start of
     * either mode), leaving out events older than {@code eventHorizon} and quarantining a record
     * that no longer loads. Returns the records read.
     */
    public static long loadInto(RecordStore store, ProfileGraph graph, java.time.Instant eventHorizon, long upTo,
                                java.util.function.LongConsumer progress) {
        return loadInto(store, graph, eventHorizon, 0, upTo, progress, null);
    }

    /**
     * What a catch-up applied: the records stored and the keys removed by the batches after the
     * graph's up to {@code upTo}, and what those changes touched.
     */
    public record CaughtUp(long upTo, long records, long removals, io.cohort.identity.Touched touched) {}

    /**
     * Brings a graph that holds the store as it was at batch {@code after} (read from a snapshot)
     * to the store's last batch: the records last stored by the batches since, in batch order,
     * through the same path as a whole load, then the keys they removed
     * ({@link io.cohort.store.RemovedRecords}; none of those is stored now, so the order between
     * the two does not matter, and a record quarantined meanwhile is among them). Ingestion is held
     * off meanwhile; the batches buffered since the start are in the graph now and are dropped
     * from the buffer (the start evaluates every batch up to the one returned).
     */
    public synchronized CaughtUp catchUp(java.time.Instant eventHorizon, long after, java.util.function.LongConsumer progress) {
        long upTo = store.lastBatchSeq();
        // What every change since the snapshot touched: the start evaluates those people, not
        // everyone, when the stored memberships are of a batch the snapshot holds (Evaluator.start).
        io.cohort.identity.Touched touched = new io.cohort.identity.Touched();
        long records = loadInto(store, graph, eventHorizon, after, upTo, progress, touched);
        long[] removals = {0};
        store.removed().after(after, upTo, r -> {
            var type = io.cohort.record.RecordType.fromWire(r.type());
            // A type this version does not know: the graph cannot hold a record of it either.
            if (type.isEmpty()) return;
            touched.addAll(graph.apply(r.source(), List.of(new RecordChange.Delete(type.get(), r.key())), r.batch()));
            removals[0]++;
        });
        buffered.removeIf(b -> b.seq() <= upTo);
        return new CaughtUp(upTo, records, removals[0], touched);
    }

    private static long loadInto(RecordStore store, ProfileGraph graph, java.time.Instant eventHorizon, long after, long upTo,
                                 java.util.function.LongConsumer progress, io.cohort.identity.Touched touched) {
        long[] n = {0};
        store.forEachAfter(after, r -> {
            if (r.batchSeq() > upTo) return;
            if (++n[0] % 100_000 == 0) progress.accept(n[0]);
            try {
                if (r.record() instanceof io.cohort.record.SourceRecord.EventRecord e && e.timestamp().isBefore(eventHorizon)) return;
                var t = graph.apply(r.source(), List.of(new RecordChange.Upsert(r.record())), r.batchSeq());
                if (touched != null) touched.addAll(t);
            } catch (RuntimeException e) {
                // One record an older version accepted (or a damaged row) must not stop every start.
                store.quarantine(r, e);
            }
        });
        return n[0];
    }

    /** The graph is loaded: batches accepted meanwhile are applied, in order, and evaluated. */
    public synchronized void loaded() {
        for (Buffered b : buffered) {
            var touched = graph.apply(b.source(), b.changes(), b.seq());
            if (evaluator != null) evaluator.submit(touched, b.seq());
        }
        buffered.clear();
        loading = false;
    }
}
