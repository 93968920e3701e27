package io.cohort.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.Touched;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.RecordParser;
import io.cohort.record.FieldError;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.store.Quarantine;
import io.dropwizard.lifecycle.Managed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's profile graph in step with the ingest log: applies every batch, in
 * order, and remembers for recent batches whom they affect (the people whose neighbourhood they
 * touched, at the rules' depth), for the {@link WorkRelay}. Every process holds the whole graph:
 * the graph is what neighbourhoods are built from, and they cross partitions.
 *
 * <p>Entries are read with {@link RecordParser#forStored()}: what was accepted when it was stored
 * is read as it was then, so that checks ingestion gained since do not drop records at a replay.
 * A record that no longer parses or applies even so (an older version accepted it) is left out and
 * quarantined, and the rest of its entry is applied in order: otherwise every process's feed would
 * stop at that entry for good, and a process that starts would never finish catching up. An entry
 * whose stored text is not a list of records at all is left out whole and quarantined the same way.
 */
public final class GraphFeed implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(GraphFeed.class);
    private static final int PAGE = 500;
    /** Rounds woken by appends start at least this far apart: a busy log is read a few batches at a time. */
    static final long WAKE_GAP_MILLIS = 20;

    private final IngestLog log;
    private final ProfileGraph graph;
    private final RecordParser parser;
    private final Quarantine quarantine;
    private final IntSupplier depth;
    private final int remember;
    private final AtomicLong applied = new AtomicLong();
    private volatile Truncated behind;
    private volatile Runnable whenApplied = () -> {};
    private final Map<Long, ProfileGraph.Reach> affected;
    private final PollingLoop loop;

    /**
     * @param parser   the service's parser; the feed reads with its {@link RecordParser#forStored() stored-data} form
     * @param quarantine where records that no longer parse or apply go (once across the cluster)
     * @param depth    the running rules' depth (how far a change is seen)
     * @param remember how many recent batches' affected people are kept for the relay
     */
    public GraphFeed(IngestLog log, ProfileGraph graph, RecordParser parser, Quarantine quarantine, IntSupplier depth, int remember,
                     long pollMillis) {
        this.log = log;
        this.graph = graph;
        this.parser = parser.forStored();
        this.quarantine = quarantine;
        this.depth = depth;
        this.remember = remember;
        this.loop = new PollingLoop("cohort-graph-feed", pollMillis, Math.min(pollMillis, WAKE_GAP_MILLIS), this::follow);
        this.affected = new LinkedHashMap<>() {
            @Override protected boolean removeEldestEntry(Map.Entry<Long, ProfileGraph.Reach> e) { return size() > GraphFeed.this.remember; }
        };
    }

    /**
     * The log no longer holds the entries after the ones this graph has (cluster.logRetention
     * deleted them): the graph can only be rebuilt from the store, by a start.
     */
    public static final class Truncated extends RuntimeException {
        Truncated(long applied, long first) {
            super("the ingest log starts at entry " + first + " and this graph holds it up to entry " + applied
                    + ": the entries between were deleted (cluster.logRetention)");
        }
    }

    /** Applies what the log holds now, on the calling thread (at start, before serving). */
    public long catchUp() {
        if (behind != null) throw behind;
        for (;;) {
            var page = log.after(applied.get(), PAGE);
            if (page.isEmpty()) return applied.get();
            if (page.get(0).seq() != applied.get() + 1) throw new Truncated(applied.get(), page.get(0).seq());
            for (IngestLog.Logged e : page) {
                Touched t = e instanceof IngestLog.Entry readable ? apply(readable) : skip((IngestLog.Unreadable) e);
                ProfileGraph.Reach people = graph.reach(t, depth.getAsInt());
                synchronized (affected) {
                    affected.put(e.seq(), people);
                }
                applied.set(e.seq());
            }
        }
    }

    /** Reads the log now rather than at the next poll (an append was notified). */
    void wake() { loop.wake(); }

    /** Runs {@code r} after each round that applied entries (the relay publishes their work at once). */
    void whenApplied(Runnable r) { this.whenApplied = r; }

    /** Held while the loop applies entries, and while {@link #still} runs: one or the other. */
    private final java.util.concurrent.locks.ReentrantLock applying = new java.util.concurrent.locks.ReentrantLock();

    /**
     * Runs {@code r} with the graph not following the log meanwhile (a checkpoint writing it): it
     * is given the entry the graph holds up to. Appends go on (they are in PostgreSQL); the feed
     * applies them, and the relay publishes their work, when {@code r} returns.
     */
    void still(java.util.function.LongConsumer r) {
        applying.lock();
        try {
            r.accept(applied.get());
        } finally {
            applying.unlock();
        }
    }

    /** The loop's round: a graph the log has left behind stops following it, once, loudly. */
    private void follow() {
        if (behind != null) return;
        applying.lock();
        try {
            followLocked();
        } finally {
            applying.unlock();
        }
    }

    private void followLocked() {
        try {
            long before = applied.get();
            catchUp();
            if (applied.get() != before) whenApplied.run();
        } catch (Truncated t) {
            behind = t;
            LOG.error("graph feed stopped: {}. Restart this process: it loads the store, then the log", t.getMessage());
        }
    }

    /** Why the feed stopped following the log, or null while it follows it. */
    public Truncated behind() { return behind; }

    /** The whole entry at once (the usual case), else record by record. */
    private Touched apply(IngestLog.Entry e) {
        List<RecordChange> changes;
        try {
            changes = parser.parse(e.records());
        } catch (RuntimeException unparsable) {
            return applyEach(e);
        }
        try {
            return graph.apply(e.source(), changes, e.seq());
        } catch (RuntimeException failed) {
            // Records before the failing one are applied again below: applying a record twice leaves the graph as once.
            return applyEach(e);
        }
    }

    /**
     * Applies each record of the entry that parses and applies, in order, and quarantines the
     * others. Parsed one by one: the parser reports a batch's errors, not which records are good.
     */
    private Touched applyEach(IngestLog.Entry e) {
        List<JsonNode> records = e.records();
        Map<Integer, String> failed = new TreeMap<>();
        List<RecordChange> changes = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            try {
                changes.add(parser.parse(List.of(records.get(i))).get(0));
            } catch (InvalidBatchException x) {
                changes.add(null);
                failed.put(i, "no longer parses: " + x.errors().stream().map(GraphFeed::describe).collect(Collectors.joining("; ")));
            } catch (RuntimeException x) {
                changes.add(null);
                failed.put(i, "no longer parses: " + x);
            }
        }
        Touched all = new Touched();
        for (int i = 0; i < changes.size(); i++) {
            if (changes.get(i) == null) continue;
            try {
                all.addAll(graph.apply(e.source(), List.of(changes.get(i)), e.seq()));
            } catch (RuntimeException x) {
                changes.set(i, null);
                failed.put(i, "could not be applied: " + x);
            }
        }
        failed.forEach((i, reason) -> skip(e, i, reason));
        return all;
    }

    private void skip(IngestLog.Entry e, int index, String reason) {
        JsonNode record = e.records().get(index);
        String type = record.path("type").isTextual() ? record.path("type").asText() : "(no type)";
        var stored = keyOf(record);
        String key = stored.orElse("(record " + index + " of log entry " + e.seq() + ")");
        boolean last = stored.isPresent();
        for (int j = index + 1; j < e.records().size() && last; j++) {
            JsonNode later = e.records().get(j);
            last = !(type.equals(later.path("type").asText(null)) && keyOf(later).filter(key::equals).isPresent());
        }
        String why = "ingest log entry " + e.seq() + ", record " + index + ": " + reason;
        boolean first = quarantine.skipFromLog(new Quarantine.LogRecord(e.seq(), index, e.source(), type, key, record.toString(), why,
                last));
        if (first) {
            LOG.error("graph feed: skipped {} {} '{}' of ingest log entry {} (record {}): {}. Every process leaves it out; "
                    + "quarantined, see GET /v1/sources/quarantine", e.source(), type, key, e.seq(), index, reason);
        } else {
            LOG.warn("graph feed: skipped {} {} '{}' of ingest log entry {} (record {}), quarantined already (GET /v1/sources/quarantine)",
                    e.source(), type, key, e.seq(), index);
        }
    }

    /** Leaves out an entry that cannot be read at all: nothing of it is applied, and it affects nobody. */
    private Touched skip(IngestLog.Unreadable e) {
        String why = "ingest log entry " + e.seq() + " skipped whole: " + e.reason();
        var moved = quarantine.skipEntryFromLog(new Quarantine.LogEntry(e.seq(), e.source(), e.text(), why));
        if (moved.isPresent()) {
            LOG.error("graph feed: skipped ingest log entry {} ({}) whole: {}. Every process leaves it out; quarantined with the {} "
                    + "stored record(s) it wrote, see GET /v1/sources/quarantine", e.seq(), e.source(), e.reason(), moved.get());
        } else {
            LOG.warn("graph feed: skipped ingest log entry {} ({}) whole, quarantined already (GET /v1/sources/quarantine)",
                    e.seq(), e.source());
        }
        return new Touched();
    }

    /**
     * The record's key as the store keyed it: from its type's key fields, or its "id" when the
     * type is one this version does not know; empty when the record has no usable key.
     */
    private static Optional<String> keyOf(JsonNode record) {
        var type = RecordType.fromWire(record.path("type").asText(""));
        if (type.isEmpty()) {
            JsonNode id = record.get("id");
            return id != null && id.isValueNode() && !id.isNull() ? Optional.of(id.asText()) : Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        for (String f : type.get().keyFields()) {
            JsonNode v = record.get(f);
            if (v == null || !v.isValueNode() || v.isNull()) return Optional.empty();
            parts.add(v.asText());
        }
        return Optional.of(type.get().key(parts));
    }

    private static String describe(FieldError f) {
        return f.field().isEmpty() ? f.message() : f.field() + ": " + f.message();
    }

    /**
     * The graph holds the log up to entry {@code seq} (read from a snapshot, or loaded from the
     * store): replay starts after it. Only at start, before the feed follows the log.
     */
    void startAfter(long seq) {
        if (loop.running()) throw new IllegalStateException("the feed follows the log already");
        applied.set(seq);
        synchronized (affected) {
            affected.clear();
        }
    }

    /** The newest batch the graph holds. */
    public long applied() { return applied.get(); }

    /** Whom batch {@code seq} affected, or null when it is not remembered (too old, or not yet applied). */
    public ProfileGraph.Reach affected(long seq) {
        synchronized (affected) {
            return affected.get(seq);
        }
    }

    @Override public void start() { loop.start(); }

    @Override public void stop() throws InterruptedException { loop.stop(); }
}
