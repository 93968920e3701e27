package io.cohort.ops;

import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.RecordStore;
import io.dropwizard.lifecycle.Managed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graph snapshots while the service runs (engine.checkpointInterval, and the checkpoint admin
 * task), not only at a clean stop: a crash restart reads the newest one and catches up on the
 * batches since ({@link SnapshotStart}), instead of loading the whole store because the process
 * never stopped cleanly. Ingestion goes on meanwhile ({@link Pipeline#checkpointThen}); the removed
 * records up to the snapshot's batch are forgotten after it, as at a clean stop (no later start
 * can read an older snapshot).
 */
public final class Checkpoints implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private final Pipeline pipeline;
    private final RecordStore store;
    private final ProfileGraph graph;
    private final Path file;
    private final long intervalMillis;
    private volatile long writtenBatch = -1;
    private volatile long lastMillis = -1;
    private volatile long lastHeldMillis = -1;
    private ScheduledExecutorService timer;

    public Checkpoints(Pipeline pipeline, RecordStore store, ProfileGraph graph, Path file, Duration interval) {
        this.pipeline = pipeline;
        this.store = store;
        this.graph = graph;
        this.file = file;
        this.intervalMillis = interval.toMillis();
    }

    /**
     * What one checkpoint did, for the log and the task's answer: {@code heldMillis} of the write's
     * time the graph was held still (batches arriving meanwhile wait that long to be evaluated).
     */
    public record Written(long batch, GraphSnapshot.Figures figures, long heldMillis, int forgotten) {
        String line(Path file) {
            return figures == null ? "graph snapshot " + file + " holds batch " + batch + " already"
                    : "graph snapshot " + file + " written at batch " + batch + " (" + figures.records() + " records, " + figures.events()
                    + " events, " + figures.bytes() + " bytes) in " + figures.millis() + " ms, the graph held still for " + heldMillis
                    + " ms of it; " + forgotten + " removed records up to it forgotten";
        }
    }

    /**
     * Writes the snapshot now unless it holds the store's last batch already. The graph is held
     * still only while it is encoded; the file is made durable and put in place after that.
     *
     * @throws TaskRefusal 503 while the service starts or stops (the graph is not the store's then)
     * @throws IOException the file could not be written (the previous one, if any, is left whole)
     */
    public Written writeNow() throws IOException {
        Written[] done = {null};
        GraphSnapshot.Encoded[] encoded = {null};
        try {
            boolean ran = pipeline.checkpointThen(at -> {
                if (at.lastBatch() == writtenBatch && Files.isRegularFile(file)) {
                    done[0] = new Written(at.lastBatch(), null, 0, 0);
                    return null;
                }
                try {
                    encoded[0] = GraphSnapshot.encode(graph, file, new GraphSnapshot.Stamp(at.storeId(), at.lastBatch(), at.lastBatchAt()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                long held = encoded[0].encodedMillis();
                return () -> {
                    try {
                        GraphSnapshot.Figures f = encoded[0].commit();
                        writtenBatch = at.lastBatch();
                        lastMillis = f.millis();
                        lastHeldMillis = held;
                        done[0] = new Written(at.lastBatch(), f, held, store.removed().prune(at.lastBatch()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
            });
            if (!ran) throw TaskRefusal.unavailable("the service is starting or stopping: its graph is not the store's yet (health check 'startup')");
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            // An encoding never committed leaves no temporary file behind.
            if (encoded[0] != null) encoded[0].close();
        }
        if (done[0].figures() != null) LOG.info("checkpoint: {}", done[0].line(file));
        return done[0];
    }

    /** The file holds the graph at {@code batch} already (read at start, nothing caught up since). */
    void holds(long batch) { writtenBatch = batch; }

    /** The batch of the newest snapshot this process wrote; -1 before its first. */
    public long writtenBatch() { return writtenBatch; }

    /** How long the newest snapshot this process wrote took (millis); -1 before its first. */
    public long lastMillis() { return lastMillis; }

    /** How long the newest snapshot this process wrote held the graph still (millis): what batches arriving then waited; -1 before its first. */
    public long lastHeldMillis() { return lastHeldMillis; }

    public Path file() { return file; }

    private void periodic() {
        try {
            writeNow();
        } catch (TaskRefusal stopping) {
            // The service stops (this timer stops before the stop's own snapshot).
        } catch (IOException | RuntimeException | Error e) {
            // The previous snapshot stays (written atomically): a crash restart catches up from it, only on more batches.
            // An Error too (a heap briefly full): a scheduled task that throws is never run again.
            LOG.warn("checkpoint: graph snapshot {} not written ({}); tried again in {} ms", file, e.toString(), intervalMillis);
        }
    }

    @Override public void start() {
        if (intervalMillis <= 0) return;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cohort-checkpoint");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::periodic, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Lets a checkpoint being written finish (interrupting it would only waste it), then stops. */
    @Override public void stop() throws InterruptedException {
        if (timer == null) return;
        timer.shutdown();
        if (!timer.awaitTermination(5, TimeUnit.MINUTES)) timer.shutdownNow();
    }
}
