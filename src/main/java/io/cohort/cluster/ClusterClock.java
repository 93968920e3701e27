package io.cohort.cluster;

import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.Touched;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.*;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time as work in cluster mode, as the single-process evaluator's tick does it: one process at a
 * time (the holder of the lease "clock") publishes work for the people the passing time may move:
 * those one of whose events left a rule's window (with who sees them, at the rules' depth), and
 * everyone when a segment reads the time otherwise (every engine.clockSweep). How far time was
 * handled is stored (cluster_clock), so a new holder catches up the windows that closed while no
 * process held the lease. Every process forgets events past engine.eventRetention from its graph.
 */
final class ClusterClock implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterClock.class);
    static final String LEASE = "clock";

    private final Jdbi jdbi;
    private final GraphFeed feed;
    private final ProfileGraph graph;
    private final WorkPublisher publisher;
    private final ClusterSweeps sweeps;
    private final ClusterLease lease;
    private final String node;
    private final Clock clock;
    private final Clock wall;
    private final Supplier<RuleBook> rules;
    private final Duration retention;
    private final long sweepMillis;
    private final long tickMillis;
    private final PollingLoop loop;

    // The holder's state, confined to the loop's thread: each person's next window edge.
    private final Map<String, Long> edgeOf = new HashMap<>();
    private final TreeMap<Long, Set<String>> byEdge = new TreeMap<>();
    private long token = -1;
    private long[] windows = new long[0];
    private long seenBatch;
    private long lastNow;
    private long nextRoundAt;
    /** The evaluation clock's time at the last round (a manual one only moves when told to). */
    private long timeLastRound = Long.MIN_VALUE;
    private final ConsistencySample consistency;
    private final long consistencyMillis;
    private final int consistencySize;
    private long nextCheckAt;

    /**
     * @param clock the evaluation clock (engine.manualClock in tests); leases run on {@code wall}
     * @param tickMillis engine.tick
     * @param sweepMillis engine.clockSweep
     */
    ClusterClock(Jdbi jdbi, GraphFeed feed, ProfileGraph graph, WorkPublisher publisher, ClusterSweeps sweeps, String node,
                 long leaseMillis, Clock clock,
                 Clock wall, Supplier<RuleBook> rules, Duration retention, long tickMillis, long sweepMillis,
                 ConsistencySample consistency, long consistencyMillis, int consistencySize) {
        this.consistency = consistency;
        this.consistencyMillis = consistencyMillis;
        this.consistencySize = consistencySize;
        this.jdbi = jdbi;
        this.feed = feed;
        this.graph = graph;
        this.publisher = publisher;
        this.sweeps = sweeps;
        this.node = node;
        this.lease = new ClusterLease(jdbi, node, leaseMillis);
        this.clock = clock;
        this.wall = wall;
        this.rules = rules;
        this.retention = retention;
        this.sweepMillis = sweepMillis;
        this.tickMillis = tickMillis;
        // The lease is renewed more often than it lasts, whatever the tick: the holder stays the holder.
        this.loop = new PollingLoop("cohort-cluster-clock", Math.max(10, Math.min(tickMillis, leaseMillis / 3)), this::round);
    }

    /** Every tick: events past retention leave this process's graph; the holder's work (or a takeover's) runs. */
    private void round() {
        SharedManualClock.refresh(clock); // engine.manualClock: the cluster's time, which any process's clock task moves
        long wallNow = wall.millis();
        // A manual time that moved (the clock task) is handled at once, not at the next engine.tick:
        // the task waits for it, as single mode's ticks its evaluator at once.
        long time = clock.millis();
        boolean moved = clock instanceof SharedManualClock && time != timeLastRound;
        timeLastRound = time;
        boolean due = wallNow >= nextRoundAt || moved;
        if (due) {
            nextRoundAt = wallNow + tickMillis;
            // Not while a checkpoint reads the graph: every reader would queue behind this write (ProfileGraph).
            graph.pruneEventsUnlessBusy(clock.instant().minus(retention), java.time.Duration.ofMillis(50));
        }
        Optional<Long> t = lease.acquire(LEASE, wallNow);
        if (t.isEmpty()) {
            token = -1;
            return;
        }
        try {
            if (due || t.get() != token) tick();
            // The safety net, by the holder only: a check every engine.consistencyCheck (none right after taking over).
            if (consistencyMillis > 0 && wallNow >= nextCheckAt) {
                if (nextCheckAt > 0) {
                    int n = consistency.publish(consistencySize);
                    LOG.info("{}: consistency check published for {} people", node, n);
                }
                nextCheckAt = wallNow + consistencyMillis;
            }
        } catch (RuntimeException e) {
            // Kafka unreachable from this process: a holder renewing the lease while failing would
            // stop the cluster's time. The people this round took off its schedule were not
            // published and the stored time did not move: whoever holds the clock next (this
            // process too, after a third of the lease) starts again from the stored time.
            token = -1;
            long ms = lease.stepBack(LEASE, wall.millis(), e);
            LOG.warn("{}: keeping the cluster's time failed; the lease is left to other processes for {} ms", node, ms);
            throw e;
        }
    }

    /** One round; returns the number of people whose work was published (0 when another process holds the clock). */
    int tick() {
        Optional<Long> t = lease.acquire(LEASE, wall.millis());
        if (t.isEmpty()) {
            token = -1;
            return 0;
        }
        long now = clock.millis();
        RuleBook book = rules.get();
        long[] w = book.shape().windows();
        long[] stored = stored();
        if (t.get() != token || !Arrays.equals(w, windows) || now < lastNow) {
            // Taking over (or other windows, or a manual clock set back): every person's edge after
            // the time last handled, so windows that closed meanwhile are due now.
            long from = stored == null ? now : Math.min(stored[0], now);
            if (t.get() != token) LOG.info("{} keeps the cluster's time (lease token {}), from {}", node, t.get(), java.time.Instant.ofEpochMilli(from));
            token = t.get();
            windows = w;
            seenBatch = feed.applied();
            edgeOf.clear();
            byEdge.clear();
            for (String p : graph.personIds()) setEdge(p, from);
            lastNow = from;
        } else {
            // People whose events changed since the last round: their edges after that round.
            long upTo = feed.applied();
            for (long seq = seenBatch + 1; seq <= upTo; seq++) {
                ProfileGraph.Reach affected = feed.affected(seq);
                Set<String> people = affected == null ? null : affected.all();
                if (people == null) {
                    graph.personIds().forEach(p -> setEdge(p, lastNow));
                    break;
                }
                people.forEach(p -> setEdge(p, lastNow));
            }
            seenBatch = upTo;
        }
        Set<String> work = new TreeSet<>();
        while (!byEdge.isEmpty() && byEdge.firstKey() <= now) {
            for (String p : byEdge.pollFirstEntry().getValue()) {
                edgeOf.remove(p);
                work.add(p);
            }
        }
        work.forEach(p -> setEdge(p, now));
        if (!work.isEmpty() && book.shape().depth() >= 2) work.addAll(graph.affected(Touched.ofPeople(work), book.shape().depth()));
        Set<String> clocked = new TreeSet<>();
        book.shape().segments().forEach((id, s) -> { if (s.clockDependent()) clocked.add(id); });
        long swept = stored == null ? -1 : stored[1];
        boolean sweep = !clocked.isEmpty() && (swept < 0 || now >= swept + sweepMillis);
        Set<String> everyone = sweep ? Everyone.of(jdbi, graph) : new TreeSet<>();
        everyone.removeAll(work);
        // The people due now are evaluated for every segment, the clocked ones among them: part of the sweep too.
        long sweepId = sweep ? sweeps.begin(WorkCause.CLOCK, book.version(), clocked, work.size() + everyone.size(), clock.millis()) : 0;
        if (!work.isEmpty()) publisher.publish(work, feed.applied(), Set.of(), WorkCause.CLOCK, sweepId);
        if (sweep) {
            // Everyone else, for the segments that read the time in ways only a sweep finds.
            publisher.publish(everyone, feed.applied(), clocked, WorkCause.CLOCK, sweepId);
            work.addAll(everyone);
        }
        if (!mark(now, sweep ? now : swept, t.get())) token = -1;
        lastNow = now;
        return work.size();
    }

    private void setEdge(String person, long after) {
        Long old = edgeOf.remove(person);
        if (old != null) {
            Set<String> s = byEdge.get(old);
            if (s != null && s.remove(person) && s.isEmpty()) byEdge.remove(old);
        }
        long edge = graph.nextWindowEdge(person, after, windows);
        if (edge == Long.MAX_VALUE) return;
        edgeOf.put(person, edge);
        byEdge.computeIfAbsent(edge, k -> new HashSet<>()).add(person);
    }

    /** [ticked_up_to, swept_at], or null before the first tick of the cluster. */
    private long[] stored() {
        return jdbi.withHandle(h -> h.createQuery("SELECT ticked_up_to, swept_at FROM cluster_clock WHERE id = 1")
                .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).findOne().orElse(null));
    }

    /** Stores how far time was handled, while the lease is still ours under {@code token}. */
    private boolean mark(long tickedUpTo, long sweptAt, long token) {
        long now = wall.millis();
        return jdbi.inTransaction(h -> {
            boolean held = h.createQuery("SELECT token FROM cluster_lease WHERE name = ? AND holder = ? AND token = ? AND expires_at > ? "
                    + "FOR UPDATE").bind(0, LEASE).bind(1, node).bind(2, token).bind(3, now).mapTo(Long.class).findOne().isPresent();
            if (!held) return false;
            if (h.execute("UPDATE cluster_clock SET ticked_up_to = ?, swept_at = ? WHERE id = 1", tickedUpTo, sweptAt) == 0) {
                h.execute("INSERT INTO cluster_clock (id, ticked_up_to, swept_at) VALUES (1, ?, ?)", tickedUpTo, sweptAt);
            }
            return true;
        });
    }

    @Override public void start() { loop.start(); }

    @Override public void stop() throws InterruptedException {
        loop.stop();
        lease.release(LEASE);
    }
}
