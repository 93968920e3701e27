package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.audience.AudienceLedger;
import io.cohort.audience.MembershipCopy;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleService;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.RecordStore;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the service up behind open ports: the ports open at once (liveness answers, stored
 * audiences are served, ingest is accepted and stored), while this loads the profile graph from
 * the store, logging its progress, and brings the memberships up to date with the rules (nothing
 * to evaluate when neither data nor rules changed since they were stored). Readiness ("startup"
 * health check) turns healthy when that is done. A failure is logged and reported, never silent.
 */
public final class Startup implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

    public enum Phase { LOADING, EVALUATING, READY, FAILED }

    private final Pipeline pipeline;
    private final RecordStore store;
    private final Evaluator evaluator;
    private final RuleService rules;
    private final RuleBook initial;
    private final AudienceLedger ledger;
    private final Clock clock;
    private final Duration eventRetention;
    private final Optional<Path> snapshot;
    private final ProfileGraph graph;
    private final List<Managed> afterReady = new ArrayList<>();
    private volatile Phase phase = Phase.LOADING;
    private volatile long loaded;
    private volatile long total;
    private volatile String failure;
    /** The snapshot file the graph was read from at start, as it was then; null when the graph came from the store. */
    private volatile GraphSnapshot.OnDisk readFrom;
    private Thread thread;

    /**
     * @param checkpointInterval how often the graph snapshot is written while running (engine.checkpointInterval; 0: only at a clean stop)
     */
    public Startup(Pipeline pipeline, RecordStore store, Evaluator evaluator, RuleService rules, RuleBook initial,
                   AudienceLedger ledger, Clock clock, Duration eventRetention, Optional<Path> snapshot, ProfileGraph graph,
                   Duration checkpointInterval) {
        this.pipeline = pipeline;
        this.store = store;
        this.evaluator = evaluator;
        this.rules = rules;
        this.initial = initial;
        this.ledger = ledger;
        this.clock = clock;
        this.eventRetention = eventRetention;
        this.snapshot = snapshot;
        this.graph = graph;
        this.checkpoints = snapshot.map(file -> new Checkpoints(pipeline, store, graph, file, checkpointInterval));
        // Started once ready, stopped before the stop's own snapshot (stop() below).
        checkpoints.ifPresent(afterReady::add);
    }

    private final Optional<Checkpoints> checkpoints;

    /** The running service's snapshots (the checkpoint task); empty without engine.snapshotFile. */
    public Optional<Checkpoints> checkpoints() { return checkpoints; }

    /** Started once the service is ready (e.g. the rule watcher: reloads need a running engine). */
    public void thenStart(Managed m) { afterReady.add(m); }

    @Override public void start() {
        thread = new Thread(this::run, "cohort-startup");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until ready (for commands and tests); throws when the start failed. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (phase == Phase.FAILED) throw new IllegalStateException("start-up failed: " + failure);
        if (phase != Phase.READY) throw new IllegalStateException("not ready after " + timeout + ": " + status());
    }

    private void run() {
        long started = System.nanoTime();
        try {
            // Between batches: batches accepted from here on are buffered and applied after the load.
            RecordStore.Position at = pipeline.between(store::position);
            // The stored memberships do not depend on the graph (nothing evaluates before the
            // engine starts): read them while the graph loads.
            FutureTask<java.util.List<Qualified>> stored = new FutureTask<>(() -> {
                long t = System.nanoTime();
                Optional<Path> copy = snapshot.map(MembershipCopy::beside);
                Optional<java.util.List<Qualified>> copied = copy.flatMap(MembershipCopy::read).flatMap(ledger::realizedFrom);
                java.util.List<Qualified> all = copied.orElseGet(ledger::realized);
                // Beside the graph's read: which of the two the start waits for is in these two lines.
                LOG.info("start-up: {} stored memberships read {} in {} ms", all.size(),
                        copied.isPresent() ? "from their copy " + copy.get() : "from the database", (System.nanoTime() - t) / 1_000_000);
                return all;
            });
            Thread reader = new Thread(stored, "cohort-startup-memberships");
            reader.setDaemon(true);
            reader.start();
            SnapshotStart.Outcome graphRead = fromSnapshot(at);
            // A catch-up of the snapshot takes every batch stored until then.
            long upTo = graphRead.upTo();
            if (!graphRead.graphRead()) {
                // Only a load from the store needs it (progress); a COUNT(*) of every row is not free on PostgreSQL.
                total = store.count();
                LOG.info("start-up: loading {} stored records (up to batch {}) into the profile graph", total, upTo);
                long n = pipeline.loadFromStore(clock.instant().minus(eventRetention), upTo, read -> {
                    loaded = read;
                    LOG.info("start-up: loaded {} of {} records ({}%)", read, total, total == 0 ? 100 : read * 100 / total);
                });
                loaded = n;
                LOG.info("start-up: loaded {} records in {} ms; evaluating what changed", n, (System.nanoTime() - started) / 1_000_000);
            }
            phase = Phase.EVALUATING;
            evaluator.start(initial, upTo, stored, graphRead.since());
            rules.attach(evaluator);
            ledger.registerActivations(clock.millis());
            pipeline.loaded();
            // A file read at start of the batch the graph holds (nothing caught up) needs no checkpoint.
            GraphSnapshot.OnDisk read = readFrom;
            if (read != null && read.stamp().lastBatch() == upTo) checkpoints.ifPresent(c -> c.holds(upTo));
            for (Managed m : afterReady) m.start();
            phase = Phase.READY;
            LOG.info("start-up: ready in {} ms ({} segments, {} memberships)", (System.nanoTime() - started) / 1_000_000,
                    initial.segments().size(), evaluator.stats().realized());
        } catch (Exception | Error e) {
            failure = e.toString();
            phase = Phase.FAILED;
            LOG.error("start-up failed: the service keeps serving stored audiences but evaluates nothing; fix the cause and restart", e);
        }
    }

    /**
     * Reads the graph snapshot when it is a copy of the store as it is, or as it was at an
     * earlier batch (then caught up, {@link SnapshotStart}); otherwise leaves the graph empty.
     */
    private SnapshotStart.Outcome fromSnapshot(RecordStore.Position at) {
        if (snapshot.isEmpty()) return SnapshotStart.Outcome.fromStore(at.lastBatch());
        GraphSnapshot.Leftovers left = GraphSnapshot.removeLeftovers(snapshot.get());
        if (left.files() > 0) {
            LOG.info("start-up: {} temporary files ({} bytes) that a write of {} left when the process stopped during it deleted",
                    left.files(), left.bytes(), snapshot.get());
        }
        SnapshotStart.Outcome o = new SnapshotStart(store, pipeline, graph)
                .read(snapshot.get(), at, clock.instant().minus(eventRetention), n -> loaded = n);
        if (o.graphRead()) {
            readFrom = o.read();
            loaded = total = o.records();
        }
        return o;
    }

    /**
     * Writes the memberships' copy ({@link MembershipCopy}) once the engine has stopped: register it
     * before the engine, so that it stops after it. A stop before the service was ready, or with a
     * round unfinished, leaves no copy.
     */
    public Managed membershipCopyAtStop() {
        return new Managed() {
            @Override public void start() {}

            @Override public void stop() { writeMembershipCopy(); }
        };
    }

    private void writeMembershipCopy() {
        if (snapshot.isEmpty()) return;
        Path file = MembershipCopy.beside(snapshot.get());
        try {
            if (phase != Phase.READY || !evaluator.membershipsFinal()) {
                Files.deleteIfExists(file);
                return;
            }
            long t = System.nanoTime();
            MembershipCopy.Stamp stamp = MembershipCopy.write(file, ledger.lastNumber(), evaluator::forEachMembershipAfterStop);
            LOG.info("shutdown: {} memberships copied to {} in {} ms", stamp.realized(), file, (System.nanoTime() - t) / 1_000_000);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("shutdown: the memberships could not be copied to {} ({}); the next start reads them from the database", file,
                    e.toString());
            try {
                Files.deleteIfExists(file);
            } catch (java.io.IOException ignored) {
                // The copy's stamp still keeps a stale one from being used.
            }
        }
    }

    @Override public void stop() throws Exception {
        for (Managed m : afterReady) m.stop();
        // Connectors have stopped (managed after this): the last batches are in; refuse later ones and write the snapshot.
        pipeline.close(this::writeSnapshot);
    }

    private void writeSnapshot() {
        if (snapshot.isEmpty()) {
            pruneRemovals(store.position().lastBatch());
            return;
        }
        Path file = snapshot.get();
        try {
            // A stale snapshot must not survive a stop that cannot replace it.
            if (phase != Phase.READY) {
                Files.deleteIfExists(file);
                pruneRemovals(store.position().lastBatch());
                return;
            }
            // From memory: the database may be closed already (H2 closes itself when the JVM exits).
            var at = store.position();
            var stamp = new GraphSnapshot.Stamp(at.storeId(), at.lastBatch(), at.lastBatchAt());
            GraphSnapshot.OnDisk read = readFrom;
            if (read != null && read.stillHolds(file, stamp)) {
                // No batch since the start read it: the file is this graph already (events that aged
                // since are left out by the next read, as from any snapshot).
                LOG.info("shutdown: graph snapshot {} kept: no batch arrived since it was read at start", file);
                pruneRemovals(stamp.lastBatch());
                return;
            }
            if (checkpoints.isPresent() && checkpoints.get().writtenBatch() == stamp.lastBatch() && Files.isRegularFile(file)) {
                LOG.info("shutdown: graph snapshot {} kept: a checkpoint wrote it at batch {}, and no batch arrived since", file,
                        stamp.lastBatch());
                pruneRemovals(stamp.lastBatch());
                return;
            }
            GraphSnapshot.Figures f = GraphSnapshot.write(graph, file, stamp);
            LOG.info("shutdown: graph snapshot {} written ({} records, {} events, {} bytes) in {} ms",
                    file, f.records(), f.events(), f.bytes(), f.millis());
            pruneRemovals(stamp.lastBatch());
        } catch (Exception | Error e) {
            LOG.warn("shutdown: graph snapshot {} not written ({}); the next start loads from the store", file, e.toString());
            try {
                Files.deleteIfExists(file);
            } catch (java.io.IOException ignored) {
                // The stamp check still keeps a stale file from being read.
            }
        }
    }

    /**
     * Forgets the removed records up to {@code batch} (store.RemovedRecords): the only snapshot a
     * later start can read is of this batch, or there is none. Best effort: the database may be
     * closed already (H2 closes itself when the JVM exits); the rows then wait for the next stop.
     */
    private void pruneRemovals(long batch) {
        try {
            int n = store.removed().prune(batch);
            if (n > 0) LOG.info("shutdown: {} removed records up to batch {} forgotten (no snapshot needs them)", n, batch);
        } catch (RuntimeException e) {
            LOG.info("shutdown: removed records up to batch {} not forgotten ({}); the next clean stop does", batch, e.toString());
        }
    }

    public Phase phase() { return phase; }

    public boolean ready() { return phase == Phase.READY; }

    /** What start-up is doing, for the health check and 503 answers. */
    public String status() {
        return switch (phase) {
            case LOADING -> "loading stored records: " + loaded + " of " + total + " (" + (total == 0 ? 0 : loaded * 100 / total) + "%)";
            case EVALUATING -> "evaluating what changed while the service was down";
            case READY -> "ready";
            case FAILED -> "start-up failed: " + failure;
        };
    }

    /** Readiness: healthy once profiles are loaded and memberships current. */
    public HealthCheck healthCheck() {
        return new HealthCheck() {
            @Override protected Result check() {
                return ready() ? Result.healthy(status()) : Result.unhealthy(status());
            }
        };
    }
}
