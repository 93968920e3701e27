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
        GraphSnapshot.Leftovers left = GraphSnapshot.removeLeftovers(file);
        if (left.files() > 0) {
            LOG.info("{} temporary files ({} bytes) that a write of {} left when the process stopped during it deleted",
                    left.files(), left.bytes(), file);
        }
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
    private GraphSnapshot.Stamp written;

    /**
     * Writes the graph, which holds the log up to entry {@code applied} and is not changed meanwhile
     * (the feed is still: a stop); a failure only costs the next start time. Nothing is written
     * when the file holds that entry already. Returns what it did, for the log.
     */
    String write(ProfileGraph graph, long applied) { return encode(graph, applied).get(); }

    /**
     * The part of a write that needs the graph still ({@link GraphFeed#still}): encodes it into a
     * temporary file. The returned step makes that file durable and puts it in place once the graph
     * follows the log again, unless a later snapshot (the stop's) was put in place meanwhile, and
     * returns what it did, for the operator (the checkpoint task). Never throws: the write is
     * atomic, and an older snapshot stays a correct (slower) start.
     */
    synchronized Supplier<String> encode(ProfileGraph graph, long applied) {
        try {
            long receivedAt = applied == 0 ? 0 : log.receivedAt(applied).orElseThrow(() -> new IllegalStateException(
                    "the ingest log no longer holds entry " + applied + " (cluster.logRetention)"));
            GraphSnapshot.Stamp stamp = new GraphSnapshot.Stamp(storeId.get(), applied, receivedAt);
            if (stamp.equals(written) && Files.isRegularFile(file)) {
                return done(logged("graph snapshot " + file + " kept: written at ingest log entry " + applied + " already"));
            }
            if (readFrom != null && readFrom.stillHolds(file, stamp)) {
                // The graph applied no log entry since the start read this file: it is this graph already.
                return done(logged("graph snapshot " + file + " kept: no ingest log entry applied since it was read at start"));
            }
            GraphSnapshot.Encoded encoded = GraphSnapshot.encode(graph, file, stamp);
            return () -> commit(encoded, stamp, encoded.encodedMillis());
        } catch (Exception | Error e) {
            return done(failed(e));
        }
    }

    private synchronized String commit(GraphSnapshot.Encoded encoded, GraphSnapshot.Stamp stamp, long held) {
        try (encoded) {
            if (written != null && written.store().equals(stamp.store()) && written.lastBatch() > stamp.lastBatch()) {
                return logged("graph snapshot " + file + " not replaced: a snapshot of the later entry " + written.lastBatch()
                        + " was written meanwhile");
            }
            GraphSnapshot.Figures f = encoded.commit();
            written = stamp;
            return logged("graph snapshot " + file + " written at ingest log entry " + stamp.lastBatch() + " (" + f.records()
                    + " records, " + f.events() + " events, " + f.bytes() + " bytes) in " + f.millis() + " ms, the graph held still for "
                    + held + " ms of it");
        } catch (Exception | Error e) {
            return failed(e);
        }
    }

    private static Supplier<String> done(String line) { return () -> line; }

    private static String logged(String line) {
        LOG.info(line);
        return line;
    }

    private String failed(Throwable e) {
        LOG.warn("graph snapshot {} not written ({}); the next start replays more of the ingest log", file, e.toString());
        return "graph snapshot " + file + " not written (" + e + "); the next start replays more of the ingest log";
    }
}
