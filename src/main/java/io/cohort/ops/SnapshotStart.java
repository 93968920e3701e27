package io.cohort.ops;

import io.cohort.engine.Evaluator;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.RecordStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the profile graph from its snapshot at start, when the snapshot can give the store's
 * graph: as it is when it was written at the store's last batch (a clean stop), or caught up with
 * what the store changed since when it was written at an earlier batch of this same store (a
 * crash, an import while down). Anything else leaves the graph empty for a load from the store,
 * saying why in the log. A cache of the store, never the truth: it is caught up only across
 * batches whose writer recorded their removals (a batch of an older version that deleted records
 * makes the start load from the store).
 */
final class SnapshotStart {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStart.class);

    /**
     * How the start goes on: {@code read} holds the file the graph was read from (null: load the
     * graph from the store, up to {@code upTo}); {@code upTo} is the last batch the graph holds
     * or is to hold; {@code records} how many records it was given.
     */
    record Outcome(GraphSnapshot.OnDisk read, long upTo, long records, Optional<Evaluator.Since> since) {
        static Outcome fromStore(long upTo) { return new Outcome(null, upTo, 0, Optional.empty()); }

        boolean graphRead() { return read != null; }
    }

    private final RecordStore store;
    private final Pipeline pipeline;
    private final ProfileGraph graph;

    SnapshotStart(RecordStore store, Pipeline pipeline, ProfileGraph graph) {
        this.store = store;
        this.pipeline = pipeline;
        this.graph = graph;
    }

    /**
     * @param at         where the store stood when the start began
     * @param eventHorizon events at or before it are left out (past retention)
     * @param progress   told the records applied so far by a catch-up
     */
    Outcome read(Path file, RecordStore.Position at, Instant eventHorizon, LongConsumer progress) {
        var onDisk = GraphSnapshot.OnDisk.of(file);
        if (onDisk.isEmpty()) {
            if (Files.exists(file)) LOG.info("start-up: graph snapshot {} is of another version; loading from the store", file);
            return Outcome.fromStore(at.lastBatch());
        }
        GraphSnapshot.Stamp stamp = onDisk.get().stamp();
        GraphSnapshot.Stamp current = new GraphSnapshot.Stamp(at.storeId(), at.lastBatch(), at.lastBatchAt());
        boolean exact = stamp.equals(current);
        String refused = exact ? null : whyNotCaughtUp(stamp, at, onDisk.get());
        if (refused != null) {
            LOG.info("start-up: graph snapshot {} is of {}, the store is at {}: {}; loading from the store", file, stamp, current, refused);
            return Outcome.fromStore(at.lastBatch());
        }
        GraphSnapshot.Figures f;
        try {
            // Events before the horizon are left out, as a load from the store and the engine's pruning do.
            f = GraphSnapshot.read(file, stamp, graph, eventHorizon.toEpochMilli() - 1);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("start-up: graph snapshot {} does not read back ({}); loading from the store", file, e.toString());
            return Outcome.fromStore(at.lastBatch());
        }
        if (exact) {
            LOG.info("start-up: profile graph read from snapshot {} ({} records, {} events, {} bytes) in {} ms; evaluating what changed",
                    file, f.records(), f.events(), f.bytes(), f.millis());
            return new Outcome(onDisk.get(), at.lastBatch(), f.records(), Optional.empty());
        }
        long t = System.nanoTime();
        Pipeline.CaughtUp c = pipeline.catchUp(eventHorizon, stamp.lastBatch(), progress);
        long ms = (System.nanoTime() - t) / 1_000_000;
        LOG.info("start-up: profile graph read from snapshot {} at batch {} ({} records, {} events) in {} ms, then {} records and {} "
                        + "removals stored since (batches {}..{}) in {} ms; evaluating what changed",
                file, stamp.lastBatch(), f.records(), f.events(), f.millis(), c.records(), c.removals(), stamp.lastBatch() + 1, c.upTo(), ms);
        return new Outcome(onDisk.get(), c.upTo(), f.records() + c.records(),
                Optional.of(new Evaluator.Since(stamp.lastBatch(), c.touched())));
    }

    /** Why a snapshot not of the store's last batch cannot be caught up with the store; null when it can. */
    private String whyNotCaughtUp(GraphSnapshot.Stamp stamp, RecordStore.Position at, GraphSnapshot.OnDisk onDisk) {
        if (!stamp.store().equals(at.storeId())) return "a snapshot of another store";
        if (stamp.lastBatch() > at.lastBatch()) return "newer than the store (restored from a backup?)";
        if (stamp.lastBatch() == at.lastBatch()) return "its batch was received at another time (the store was restored and numbered again)";
        if (!onDisk.continuable()) return "written by a version that did not record removed records";
        OptionalLong received = store.receivedAt(stamp.lastBatch());
        if (received.isEmpty()) return "its batch is no longer in the store";
        if (received.getAsLong() != stamp.lastBatchAt()) {
            return "its batch was received at another time (the store was restored and numbered again)";
        }
        long unrecorded = store.batchesWithUnrecordedRemovals(stamp.lastBatch());
        if (unrecorded > 0) return unrecorded + " later batch(es) deleted records without recording it (written by an older version)";
        return null;
    }
}
