package io.cohort.cluster;

import io.cohort.identity.ProfileGraph;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
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
 * at least once, and evaluating a person twice changes nothing.
 */
public final class WorkRelay implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(WorkRelay.class);
    static final String LEASE = "work-relay";

    private final Jdbi jdbi;
    private final GraphFeed feed;
    private final ProfileGraph graph;
    private final WorkPublisher publisher;
    private final DispatchLease lease;
    private final String node;
    private final Clock clock;
    private final long pollMillis;
    private volatile boolean running;
    private Thread thread;

    /** @param clock wall time for the lease (never a manual evaluation clock: leases must expire) */
    public WorkRelay(Jdbi jdbi, GraphFeed feed, ProfileGraph graph, WorkPublisher publisher, String node, long leaseMillis,
                     Clock clock, long pollMillis) {
        this.jdbi = jdbi;
        this.feed = feed;
        this.graph = graph;
        this.publisher = publisher;
        this.node = node;
        this.lease = new DispatchLease(jdbi, node, leaseMillis);
        this.clock = clock;
        this.pollMillis = pollMillis;
    }

    /** One round: publishes what is due if this process holds the lease; returns batches published. */
    int relay() {
        Optional<Long> token = lease.acquire(LEASE, clock.millis());
        if (token.isEmpty()) return 0;
        long from = publishedUpTo();
        long to = feed.applied();
        int n = 0;
        for (long seq = from + 1; seq <= to; seq++) {
            Set<String> people = feed.affected(seq);
            if (people == null) {
                // Not remembered (older than the feed keeps): everyone, which is always enough.
                people = new TreeSet<>(graph.personIds());
                LOG.warn("batch {} is older than the feed remembers: work published for all {} people", seq, people.size());
            }
            publisher.publish(people, seq);
            n++;
            if (n % 50 == 0 && !mark(seq, token.get())) return n;
        }
        if (n > 0) mark(to, token.get());
        return n;
    }

    private long publishedUpTo() {
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
            if (h.execute("UPDATE cluster_relay SET published_up_to = GREATEST(published_up_to, ?) WHERE id = 1", upTo) == 0) {
                h.execute("INSERT INTO cluster_relay (id, published_up_to) VALUES (1, ?)", upTo);
            }
            return true;
        });
    }

    @Override public void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    relay();
                    Thread.sleep(pollMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("{}: relaying work failed, retried: {}", node, e.toString());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, "cohort-work-relay");
        thread.setDaemon(true);
        thread.start();
    }

    @Override public void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
        lease.release(LEASE);
    }
}
