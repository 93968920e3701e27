package io.cohort.cluster;

import io.cohort.identity.ProfileGraph;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the ingest log into work messages: one process at a time (the holder of the lease
 * "work-relay") publishes, for each batch after cluster_relay.published_up_to, a message per
 * affected person, then moves the mark on, guarded by its lease token. A relay that dies between
 * publishing and moving the mark is followed by one that publishes those batches again: work is
 * at least once, and evaluating a person twice changes nothing. The work rule applies owe
 * ({@link RuleWork}) goes the same way: published for everyone, then deleted.
 */
public final class WorkRelay implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(WorkRelay.class);
    static final String LEASE = "work-relay";
    /** Messages published and acknowledged between two marks. */
    private static final int STEP = 2_000;

    private final Jdbi jdbi;
    private final GraphFeed feed;
    private final ProfileGraph graph;
    private final WorkPublisher publisher;
    private final RuleWork ruleWork;
    private final ClusterSweeps sweeps;
    private final ClusterLease lease;
    private final long leaseMillis;
    private final String node;
    private final Clock clock;
    private final PollingLoop loop;
    private final IngestLog log;
    private final long logRetentionMillis;
    private final Clock receivedClock;
    private long lastToken = -1;
    private long nextTruncateAt;

    /**
     * @param clock wall time for the lease (never a manual evaluation clock: leases must expire)
     * @param logRetentionMillis published log entries older than this are deleted by the holder (0: never)
     * @param receivedClock the clock entries' receipt times come from (the service's, a manual one in tests)
     */
    WorkRelay(Jdbi jdbi, IngestLog log, GraphFeed feed, ProfileGraph graph, WorkPublisher publisher, RuleWork ruleWork,
              ClusterSweeps sweeps, String node, long leaseMillis, Clock clock, long pollMillis, long logRetentionMillis,
              Clock receivedClock) {
        this.jdbi = jdbi;
        this.log = log;
        this.logRetentionMillis = logRetentionMillis;
        this.receivedClock = receivedClock;
        this.feed = feed;
        this.graph = graph;
        this.publisher = publisher;
        this.ruleWork = ruleWork;
        this.sweeps = sweeps;
        this.node = node;
        this.lease = new ClusterLease(jdbi, node, leaseMillis);
        this.leaseMillis = leaseMillis;
        this.clock = clock;
        this.loop = new PollingLoop("cohort-work-relay", pollMillis, Math.min(pollMillis, GraphFeed.WAKE_GAP_MILLIS), this::relay);
    }

    /** One round: publishes what is due if this process holds the lease; returns batches published. */
    int relay() {
        Optional<Long> token = lease.acquire(LEASE, clock.millis());
        if (token.isEmpty()) return 0;
        if (token.get() != lastToken) {
            LOG.info("{} relays the ingest log's work (lease token {})", node, token.get());
            lastToken = token.get();
        }
        try {
            int n = publish(token.get());
            publishRuleWork(token.get());
            truncate();
            return n;
        } catch (RuntimeException e) {
            // Kafka unreachable from this process (its network, its producer): another process takes over.
            lastToken = -1;
            long ms = lease.stepBack(LEASE, clock.millis(), e);
            LOG.warn("{}: relaying failed; the lease is left to other processes for {} ms", node, ms);
            throw e;
        }
    }

    /**
     * Publishes the evaluation a rule apply owes (if any) for everyone, at the graph's newest batch,
     * in steps that renew the lease; then deletes it. Losing the lease half-way leaves it for the
     * next holder, which publishes it whole again (at least once, as batches).
     */
    private void publishRuleWork(long token) {
        Optional<RuleWork.Pending> pending = ruleWork.pending(jdbi);
        if (pending.isEmpty()) return;
        RuleWork.Pending p = pending.get();
        long batch = feed.applied();
        Set<String> everyone = Everyone.of(jdbi, graph);
        long started = System.nanoTime();
        // Begun before its first message: every node shows how far the workers have got (GET /v1/segments, /v1/status).
        long sweep = sweeps.begin(p.cause(), p.version(), p.segments(), everyone.size(), receivedClock.millis());
        if (!publishInSteps(everyone, person -> new WorkMessage(person, batch, p.segments(), p.cause(), sweep), 0, token)
                || !mark(0, token)) {
            return;
        }
        boolean done = RuleWork.published(jdbi, p.seq());
        LOG.info("{}: the {} work with rules {} ({}) published for {} people in {} ms{}", node, p.cause().text, p.version(),
                p.segments().isEmpty() ? "every segment" : p.segments(), everyone.size(), (System.nanoTime() - started) / 1_000_000,
                done ? "" : "; a later apply added to it meanwhile, published next");
    }

    /**
     * Deletes published entries older than cluster.logRetention, at most once a minute: processes
     * that start later read the store up to the first entry left, then the log (ClusterNode).
     */
    private void truncate() {
        long now = clock.millis();
        if (logRetentionMillis <= 0 || now < nextTruncateAt) return;
        nextTruncateAt = now + Math.min(60_000, logRetentionMillis);
        // Ages on the clock the receipt times were written with: a manual clock's entries never look a week old to the wall's.
        int deleted = log.truncate(publishedUpTo(), receivedClock.millis() - logRetentionMillis);
        if (deleted > 0) LOG.info("{}: {} ingest log entries older than {} ms deleted; the log starts at entry {}", node, deleted,
                logRetentionMillis, log.first());
    }

    /** Publishes the work of the batches applied since the mark, in steps, moving the mark; returns batches published. */
    private int publish(long token) {
        long from = publishedUpTo();
        long to = feed.applied();
        int n = 0;
        List<WorkMessage> work = new ArrayList<>();
        long forgotten = newestForgotten(from, to);
        if (forgotten > 0) {
            // Batches older than the feed remembers (a backlog, or a graph read from a snapshot):
            // everyone once, which is always enough, instead of everyone for each of them.
            Set<String> everyone = new TreeSet<>(graph.personIds());
            LOG.warn("batches {} to {} are older than the feed remembers: work published once for all {} people", from + 1, forgotten,
                    everyone.size());
            if (!publishInSteps(everyone, p -> new WorkMessage(p, forgotten), from, token) || !mark(forgotten, token)) return n;
            n += (int) (forgotten - from);
            from = forgotten;
        }
        for (long seq = from + 1; seq <= to; seq++) {
            ProfileGraph.Reach affected = feed.affected(seq);
            if (affected == null) affected = new ProfileGraph.Reach(new TreeSet<>(graph.personIds()), Set.of()); // forgotten since the scan: rare
            for (String p : affected.people()) work.add(new WorkMessage(p, seq));
            for (String p : affected.byEvents()) work.add(new WorkMessage(p, seq, WorkMessage.EVENT_READERS, WorkCause.INGEST));
            n++;
            // In steps, each acknowledged by the broker and marked (which renews the lease): a long
            // backlog neither outlives the lease nor is published again from the start after a crash.
            if (work.size() >= STEP || seq == to) {
                long started = System.nanoTime();
                publisher.publish(work);
                long ms = (System.nanoTime() - started) / 1_000_000;
                if (ms > 1_000) LOG.info("{}: publishing {} work messages up to batch {} took {} ms", node, work.size(), seq, ms);
                work.clear();
                if (!mark(seq, token)) return n;
            }
        }
        return n;
    }

    /**
     * Publishes one message per person, in steps of {@link #STEP} each acknowledged by the broker
     * and followed by a mark that renews the lease and moves the mark to no more than {@code upTo};
     * false when the lease was lost (the next holder publishes it all again).
     */
    private boolean publishInSteps(Set<String> people, java.util.function.Function<String, WorkMessage> message, long upTo,
                                   long token) {
        List<WorkMessage> work = new ArrayList<>(Math.min(STEP, people.size()));
        for (String person : people) {
            work.add(message.apply(person));
            if (work.size() >= STEP) {
                publisher.publish(work);
                work.clear();
                if (!mark(upTo, token)) return false;
            }
        }
        publisher.publish(work);
        return true;
    }

    /** The newest batch in (from, to] whose affected people the feed does not remember; 0 when none. */
    private long newestForgotten(long from, long to) {
        for (long seq = to; seq > from; seq--) {
            if (feed.affected(seq) == null) return seq;
        }
        return 0;
    }

    private long publishedUpTo() { return publishedUpTo(jdbi); }

    /** The newest ingest batch whose work is on the topic: every message of it precedes what is published now. */
    static long publishedUpTo(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT published_up_to FROM cluster_relay WHERE id = 1").mapTo(Long.class)
                .findOne().orElse(0L));
    }

    /** Moves the mark on while the lease is still ours under {@code token}; false when it is not. */
    private boolean mark(long upTo, long token) {
        long now = clock.millis();
        return jdbi.inTransaction(h -> {
            // Locks the lease row: a takeover waits for this mark, and a mark after a takeover finds no row.
            boolean held = h.createQuery("SELECT token FROM cluster_lease WHERE name = ? AND holder = ? AND token = ? AND expires_at > ? "
                    + "FOR UPDATE").bind(0, LEASE).bind(1, node).bind(2, token).bind(3, now).mapTo(Long.class).findOne().isPresent();
            if (!held) return false;
            h.execute("UPDATE cluster_lease SET expires_at = ? WHERE name = ?", now + leaseMillis, LEASE);
            if (h.execute("UPDATE cluster_relay SET published_up_to = GREATEST(published_up_to, ?) WHERE id = 1", upTo) == 0) {
                h.execute("INSERT INTO cluster_relay (id, published_up_to) VALUES (1, ?)", upTo);
            }
            return true;
        });
    }

    /** Publishes now rather than at the next poll (the feed applied new entries). */
    void wake() { loop.wake(); }

    @Override public void start() { loop.start(); }

    @Override public void stop() throws InterruptedException {
        loop.stop();
        lease.release(LEASE);
    }
}
