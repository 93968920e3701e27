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
 * The write path, one way: validate → store (committed) → profile graph → evaluator. One store
 * transaction at a time (a group of the batches that arrived meanwhile), each batch applied to the
 * graph in the order it was numbered, so the store's order and the graph's order are the same.
 */
public final class Pipeline {

    /** The answer to an accepted batch. {@code batch} orders it among all batches. */
    public record Accepted(int accepted, int upserts, int deletes, long batch) {}

    private final Map<String, SourceFactory> sources;
    private final RecordParser parser;
    private final RecordStore store;
    private final ProfileGraph graph;
    private final Evaluator evaluator;
    /** Cluster mode: set, and then the graph is fed from the journal, not from here. */
    private final Journal journal;
    private final Clock clock;
    private final Meter records;
    private final Timer batches;
    /** Batches per store commit (group commit): near 1 when batches come one at a time. */
    private final com.codahale.metrics.Histogram grouped;
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
        this.parser = parser;
        this.store = store;
        this.graph = graph;
        this.evaluator = evaluator;
        this.journal = journal;
        this.clock = clock;
        this.records = metrics.meter("cohort.ingest.records");
        this.batches = metrics.timer("cohort.ingest.batches");
        this.grouped = metrics.histogram("cohort.ingest.batchesPerCommit");
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
        List<RecordChange> changes = parser.parse(canonical);
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
        return accept(sourceId, canonical, parser.parse(canonical), cursors, null);
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
        return accept(sourceId, canonical, parser.parse(canonical), cursors, java.util.Objects.requireNonNull(guard));
    }

    private Accepted accept(String sourceId, List<JsonNode> canonical, List<RecordChange> changes,
                            Map<String, String> cursors, java.util.function.Consumer<org.jdbi.v3.core.Handle> guard) {
        if (journal != null) return acceptJournaled(sourceId, canonical, changes, cursors, guard);
        // Group commit: a batch waits its turn; whoever holds the turn stores every batch waiting
        // then in one transaction (one commit, one write of H2's file), in arrival order, and
        // answers each of them. Alone, a batch is its own group, as before.
        Waiting w = new Waiting(sourceId, changes, cursors);
        synchronized (waiting) {
            waiting.add(w);
        }
        synchronized (this) {
            while (!w.done) commitGroup();
        }
        if (w.failure != null) throw w.failure;
        return w.accepted;
    }

    /** Most batches one transaction stores: a group of a few thousand records keeps a commit short. */
    private static final int MAX_GROUP = 16;

    /** Batches waiting to be stored, oldest first; guarded by itself. */
    private final java.util.ArrayDeque<Waiting> waiting = new java.util.ArrayDeque<>();

    /** A batch waiting in {@link #waiting}; its answer is written and read under {@code this}. */
    private static final class Waiting {
        final String source;
        final List<RecordChange> changes;
        final Map<String, String> cursors;
        Accepted accepted;
        RuntimeException failure;
        boolean done;

        Waiting(String source, List<RecordChange> changes, Map<String, String> cursors) {
            this.source = source;
            this.changes = changes;
            this.cursors = cursors;
        }
    }

    /** Under {@code this}: stores the oldest waiting batches together and answers them. */
    private void commitGroup() {
        List<Waiting> group = new java.util.ArrayList<>();
        synchronized (waiting) {
            while (!waiting.isEmpty() && group.size() < MAX_GROUP) group.add(waiting.poll());
        }
        try {
            commit(group);
        } finally {
            // An Error half-way (out of memory): no batch of the group may wait for an answer for ever.
            for (Waiting w : group) if (!w.done) fail(w, new IllegalStateException("the batch could not be stored; send it again"));
        }
    }

    private void commit(List<Waiting> group) {
        if (closed) {
            for (Waiting w : group) fail(w, new ClosedException());
            return;
        }
        long started = System.nanoTime();
        long now = clock.millis();
        long[] seqs;
        try {
            seqs = store.appendAll(group.stream().map(w -> new RecordStore.Batch(w.source, w.changes, now, w.cursors)).toList());
        } catch (RuntimeException e) {
            if (group.size() == 1 || io.cohort.store.TransientFailures.of(e).isPresent()) {
                // The database away or busy (a lock wait, a lost connection): each would fail the same way, after as long.
                for (Waiting w : group) fail(w, e);
                return;
            }
            // Each on its own: a batch fails only with its own error, and nothing of it is stored.
            for (Waiting w : group) {
                try {
                    stored(w, store.appendWithCursor(w.source, w.changes, clock.millis(), w.cursors));
                } catch (RuntimeException alone) {
                    fail(w, alone);
                }
            }
            return;
        }
        long elapsed = System.nanoTime() - started;
        grouped.update(group.size());
        for (int i = 0; i < group.size(); i++) {
            batches.update(elapsed, java.util.concurrent.TimeUnit.NANOSECONDS);
            stored(group.get(i), seqs[i]);
        }
    }

    /** A stored batch: to the graph and the evaluator (or buffered while the graph loads), then answered. */
    private void stored(Waiting w, long seq) {
        try {
            if (loading) {
                buffered.add(new Buffered(w.source, w.changes, seq));
            } else {
                var touched = graph.apply(w.source, w.changes, seq);
                if (evaluator != null) evaluator.submit(touched, seq);
            }
            records.mark(w.changes.size());
            w.accepted = accepted(w.changes, seq);
        } catch (RuntimeException e) {
            w.failure = e;
        }
        w.done = true;
    }

    private static void fail(Waiting w, RuntimeException e) {
        w.failure = e;
        w.done = true;
    }

    private static Accepted accepted(List<RecordChange> changes, long seq) {
        int deletes = (int) changes.stream().filter(c -> c instanceof RecordChange.Delete).count();
        return new Accepted(changes.size(), changes.size() - deletes, deletes, seq);
    }

    /** Cluster mode: numbered and journaled in the store's transaction; the graph follows the journal. */
    private synchronized Accepted acceptJournaled(String sourceId, List<JsonNode> canonical, List<RecordChange> changes,
                                                  Map<String, String> cursors,
                                                  java.util.function.Consumer<org.jdbi.v3.core.Handle> guard) {
        if (closed) throw new ClosedException();
        try (Timer.Context t = batches.time()) {
            long now = clock.millis();
            long seq = store.appendNumbered(sourceId, changes, now, cursors, h -> {
                if (guard != null) guard.accept(h);
                return journal.append(h, sourceId, canonical, now);
            });
            records.mark(changes.size());
            return accepted(changes, seq);
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
    public synchronized void close(Runnable last) {
        closed = true;
        last.run();
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
        long[] n = {0};
        store.forEach(r -> {
            if (r.batchSeq() > upTo) return;
            if (++n[0] % 100_000 == 0) progress.accept(n[0]);
            try {
                if (r.record() instanceof io.cohort.record.SourceRecord.EventRecord e && e.timestamp().isBefore(eventHorizon)) return;
                graph.apply(r.source(), List.of(new RecordChange.Upsert(r.record())), r.batchSeq());
            } catch (RuntimeException e) {
                // One record an older version accepted (or a damaged row) must not stop every start.
                store.quarantine(r, e);
            }
        });
        return n[0];
    }

    /** The graph is loaded: batches accepted meanwhile are applied, in order, and evaluated. */
    public synchronized void loaded() {
        for (Buffered b : buffered) evaluator.submit(graph.apply(b.source(), b.changes(), b.seq()), b.seq());
        buffered.clear();
        loading = false;
    }
}
