package io.cohort.cluster;

import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graph snapshot of a cluster process (engine.snapshotFile): written at a clean stop, stamped
 * with the ingest log entry the graph holds up to; read at the next start, after which only later
 * entries are replayed. The log is append-only, so a snapshot stays a correct starting point
 * whatever happened since — a crash, other processes' ingest — as long as it is of this database's
 * log (the store's id, and that entry's number and time) and of this version's record
 * declarations. Otherwise the process replays the whole log, as without a snapshot.
 */
public final class ClusterSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSnapshot.class);

    private final Path file;
    private final IngestLog log;
    private final Supplier<String> storeId;
    /** The file as the start read it; null when the start did not read it. */
    private GraphSnapshot.OnDisk readFrom;

    /** @param storeId this database's store id (RecordStore.position().storeId()) */
    public ClusterSnapshot(Path file, IngestLog log, Supplier<String> storeId) {
        this.file = file;
        this.log = log;
        this.storeId = storeId;
    }

    /**
     * Reads the snapshot into {@code graph} (still empty) when it is of this database's log;
     * returns the log entry the graph now holds up to, or 0 when it was not read.
     */
    long read(ProfileGraph graph, long eventHorizonMillis) {
        Optional<GraphSnapshot.OnDisk> onDisk = GraphSnapshot.OnDisk.of(file);
        Optional<GraphSnapshot.Stamp> stamp = onDisk.map(GraphSnapshot.OnDisk::stamp);
        if (stamp.isEmpty()) {
            if (Files.exists(file)) LOG.info("graph snapshot {} is of another version; replaying the whole ingest log", file);
            return 0;
        }
        GraphSnapshot.Stamp s = stamp.get();
        Optional<Long> at = s.store().equals(storeId.get()) ? log.receivedAt(s.lastBatch()) : Optional.empty();
        if (at.isEmpty() && s.store().equals(storeId.get()) && s.lastBatch() < log.first()) {
            LOG.info("graph snapshot {} is of ingest log entry {}, which the log no longer holds (cluster.logRetention, or batches "
                    + "single mode stored since); loading the store instead",
                    file, s.lastBatch());
            return 0;
        }
        if (at.isEmpty() || at.get() != s.lastBatchAt()) {
            LOG.info("graph snapshot {} is not of this database's ingest log ({}); replaying the whole log", file, s);
            return 0;
        }
        try {
            GraphSnapshot.Figures f = GraphSnapshot.read(file, s, graph, eventHorizonMillis);
            readFrom = onDisk.get();
            LOG.info("profile graph read from snapshot {} ({} records, {} events, {} bytes) in {} ms; replaying the ingest log after entry {}",
                    file, f.records(), f.events(), f.bytes(), f.millis(), s.lastBatch());
            return s.lastBatch();
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("graph snapshot {} does not read back ({}); replaying the whole ingest log", file, e.toString());
            return 0;
        }
    }

    /** The stamp of the snapshot this process wrote last (a checkpoint's, or the stop's); null before. */
    private volatile GraphSnapshot.Stamp written;

    /**
     * Writes the graph, which holds the log up to entry {@code applied} and is not changed meanwhile
     * (the feed is still: a stop, or {@link GraphFeed#still}); a failure only costs the next start
     * time. Nothing is written when the file holds that entry already. Returns what it did, for the
     * operator (the checkpoint task).
     */
    String write(ProfileGraph graph, long applied) {
        try {
            long receivedAt = applied == 0 ? 0 : log.receivedAt(applied).orElseThrow(() -> new IllegalStateException(
                    "the ingest log no longer holds entry " + applied + " (cluster.logRetention)"));
            GraphSnapshot.Stamp stamp = new GraphSnapshot.Stamp(storeId.get(), applied, receivedAt);
            String line;
            if (stamp.equals(written) && Files.isRegularFile(file)) {
                line = "graph snapshot " + file + " kept: written at ingest log entry " + applied + " already";
            } else if (readFrom != null && readFrom.stillHolds(file, stamp)) {
                // The graph applied no log entry since the start read this file: it is this graph already.
                line = "graph snapshot " + file + " kept: no ingest log entry applied since it was read at start";
            } else {
                GraphSnapshot.Figures f = GraphSnapshot.write(graph, file, stamp);
                written = stamp;
                line = "graph snapshot " + file + " written at ingest log entry " + applied + " (" + f.records() + " records, "
                        + f.events() + " events, " + f.bytes() + " bytes) in " + f.millis() + " ms";
            }
            LOG.info(line);
            return line;
        } catch (Exception | Error e) {
            // The write is atomic: an older snapshot stays, and it is still a correct (slower) start.
            LOG.warn("graph snapshot {} not written ({}); the next start replays more of the ingest log", file, e.toString());
            return "graph snapshot " + file + " not written (" + e + "); the next start replays more of the ingest log";
        }
    }
}
