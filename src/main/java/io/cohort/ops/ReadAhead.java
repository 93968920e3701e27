package io.cohort.ops;

import io.cohort.audience.AudienceLedger;
import io.cohort.audience.MembershipCopy;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Qualified;
import io.cohort.store.RecordStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the graph snapshot and the stored memberships while the rest of the service is wired.
 * Neither needs the rules, yet both waited for the first rule compile, the destinations and the
 * HTTP resources (~6 s of a restart at 100k and at 1M profiles, before reads of 4 s and 17 s).
 * The graph's read starts as soon as the store is open, the memberships' once the ledger is made,
 * both before anything can write (the ports are closed, no source runs, the instance lock is held,
 * nothing evaluates before the engine starts), so the store's position the graph's read is of is
 * the one {@link Startup} finds; Startup checks that it is, and reads again otherwise.
 */
public final class ReadAhead {
    private static final Logger LOG = LoggerFactory.getLogger(ReadAhead.class);

    private final Optional<Path> snapshot;
    private final ProfileGraph graph;
    private final Clock clock;
    private final Duration eventRetention;
    private RecordStore.Position at;
    private FutureTask<Optional<Read>> reading;
    private FutureTask<List<Qualified>> memberships;

    /** A snapshot read into the graph: the file as it was on disk, and how many records it held. */
    record Read(GraphSnapshot.OnDisk file, long records) {}

    private ReadAhead(Optional<Path> snapshot, ProfileGraph graph, Clock clock, Duration eventRetention) {
        this.snapshot = snapshot;
        this.graph = graph;
        this.clock = clock;
        this.eventRetention = eventRetention;
    }

    /** Starts reading {@code snapshot} into the (empty) {@code graph} on a thread of its own, if it is of the store as it is now. */
    public static ReadAhead start(Optional<Path> snapshot, RecordStore store, ProfileGraph graph, Clock clock,
                                          Duration eventRetention) {
        ReadAhead ahead = new ReadAhead(snapshot, graph, clock, eventRetention);
        if (snapshot.isEmpty()) return ahead;
        RecordStore.Position at = store.position();
        ahead.at = at;
        ahead.reading = new FutureTask<>(() -> ahead.read(at));
        Thread t = new Thread(ahead.reading, "cohort-snapshot-read");
        t.setDaemon(true);
        t.start();
        return ahead;
    }

    /**
     * Starts reading the stored memberships: from their copy beside the snapshot when it is of
     * them ({@link MembershipCopy}), else from the database.
     */
    public void readMemberships(AudienceLedger ledger) {
        memberships = new FutureTask<>(() -> {
            long t = System.nanoTime();
            Optional<Path> copy = snapshot.map(MembershipCopy::beside);
            Optional<List<Qualified>> copied = copy.flatMap(MembershipCopy::read).flatMap(ledger::realizedFrom);
            List<Qualified> all = copied.orElseGet(ledger::realized);
            // Beside the graph's read: which of the two the start waits for is in their two lines.
            LOG.info("start-up: {} stored memberships read {} in {} ms", all.size(),
                    copied.isPresent() ? "from their copy " + copy.get() : "from the database", (System.nanoTime() - t) / 1_000_000);
            return all;
        });
        Thread t = new Thread(memberships, "cohort-startup-memberships");
        t.setDaemon(true);
        t.start();
    }

    /** The stored memberships' read ({@link #readMemberships}), started now if it was not. */
    FutureTask<List<Qualified>> memberships(AudienceLedger ledger) {
        if (memberships == null) readMemberships(ledger);
        return memberships;
    }

    /**
     * Waits for the read started ahead and tells whether the graph holds the snapshot of the store
     * at {@code now}: what was read, or empty with the graph left empty (then the caller loads the
     * store). When the store moved since the read began (nothing should write before the service
     * starts, but this is checked, not assumed), what was read is dropped and the file checked again.
     */
    Optional<Read> graphAt(RecordStore.Position now) throws InterruptedException {
        if (reading == null) return read(now);
        Optional<Read> read;
        try {
            read = reading.get();
        } catch (ExecutionException e) {
            // An Error (out of memory): as if the read had run on the start-up thread.
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
        if (now.equals(at)) return read;
        LOG.warn("start-up: the store moved from {} to {} while its snapshot was read ahead; reading again", at, now);
        graph.clear();
        return read(now);
    }

    /** Reads the snapshot when it is an exact copy of the store at {@code at}; empty (the graph left empty) otherwise. */
    private Optional<Read> read(RecordStore.Position at) {
        if (snapshot.isEmpty()) return Optional.empty();
        Path file = snapshot.get();
        Optional<GraphSnapshot.OnDisk> onDisk = GraphSnapshot.OnDisk.of(file);
        if (onDisk.isEmpty()) {
            if (Files.exists(file)) LOG.info("start-up: graph snapshot {} is of another version; loading from the store", file);
            return Optional.empty();
        }
        GraphSnapshot.Stamp expected = new GraphSnapshot.Stamp(at.storeId(), at.lastBatch(), at.lastBatchAt());
        if (!onDisk.get().stamp().equals(expected)) {
            // The usual reason: the last stop was not clean (a crash), or records were imported while down.
            LOG.info("start-up: graph snapshot {} is of {}, the store is at {}; loading from the store", file, onDisk.get().stamp(), expected);
            return Optional.empty();
        }
        try {
            GraphSnapshot.Figures f = GraphSnapshot.read(file, expected, graph, clock.millis() - eventRetention.toMillis());
            LOG.info("start-up: profile graph read from snapshot {} ({} records, {} events, {} bytes) in {} ms; evaluating what changed",
                    file, f.records(), f.events(), f.bytes(), f.millis());
            return Optional.of(new Read(onDisk.get(), f.records()));
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("start-up: graph snapshot {} does not read back ({}); loading from the store", file, e.toString());
            return Optional.empty();
        }
    }
}
