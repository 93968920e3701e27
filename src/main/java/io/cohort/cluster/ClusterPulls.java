package io.cohort.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.pull.BatchWriter;
import io.cohort.ingest.pull.ConnectorRunner;
import io.cohort.ingest.pull.Connectors;
import io.cohort.ingest.pull.CursorBook;
import io.cohort.ingest.pull.SyncStatusView;
import io.cohort.ingest.pull.SyncStatuses;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.CursorStore;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull connectors in cluster mode: each pulled source runs on exactly one node, the one holding
 * the lease {@code pull:<source>} ({@link ClusterLease}). Every node builds every connector; a
 * loop renews or takes each source's lease every third of {@code leaseDuration} and starts the
 * source's {@link ConnectorRunner} when it got it, stops it when it lost it. A dead holder's lease
 * expires and another node starts the source from the cursors stored in PostgreSQL.
 *
 * <p>A connector's writes go through the cluster's ingest path (records, ingest log and cursors in
 * one transaction, {@link Pipeline#ingestWithCursor(String, java.util.List, Map, java.util.function.Consumer)}),
 * fenced in that same transaction by the lease token the run started under: a holder that lost
 * the lease without noticing (paused past expiry) cannot commit a page or move a cursor, so the
 * next holder resumes exactly where the last commit left off.
 *
 * <p>The holder writes its sync status to cluster_pull_status at each renewal; other nodes serve
 * that, naming the holder ({@link SyncStatusView#runBy()}).
 */
public final class ClusterPulls implements Managed, SyncStatuses {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterPulls.class);
    static final String PREFIX = "pull:";
    /** A lease per node that pulls, renewed every round: how many share the sources. */
    static final String NODE = "pull-node:";

    /** What the connectors write through: fenced by this node's leases. */
    public record Writes(BatchWriter writer, CursorBook cursors) {}

    private final String node;
    private final ClusterLease lease;
    private final Jdbi jdbi;
    private final ObjectMapper json;
    private final Clock wall;
    private final Pipeline pipeline;
    private final CursorStore cursorStore;
    private final Connectors connectors;
    private final PollingLoop loop;
    /** Source → the lease token its connector runs under on this node; absent while it does not run here. */
    private final Map<String, Long> runs = new ConcurrentHashMap<>();

    /**
     * @param wall        wall time for the leases (never a manual evaluation clock: leases must expire)
     * @param connectors  builds every pulled source's runner, given the fenced write path
     */
    public ClusterPulls(String node, Jdbi jdbi, ObjectMapper json, long leaseMillis, Clock wall, Pipeline pipeline,
                        CursorStore cursorStore, Function<Writes, Connectors> connectors) {
        this.node = node;
        this.lease = new ClusterLease(jdbi, node, leaseMillis);
        this.jdbi = jdbi;
        this.json = json;
        this.wall = wall;
        this.pipeline = pipeline;
        this.cursorStore = cursorStore;
        this.connectors = connectors.apply(new Writes(this::write, new FencedCursors()));
        this.loop = new PollingLoop("cohort-pull-leases", Math.max(100, leaseMillis / 3), this::round);
    }

    public Connectors connectors() { return connectors; }

    /** Sources whose connector runs on this node now. */
    public Set<String> running() { return Set.copyOf(runs.keySet()); }

    /**
     * One round: takes, renews or gives up the lease of every enabled pulled source. Sources are
     * spread over the nodes that pull: a node takes a free source only while it runs fewer than
     * its share (the sources divided by the live pulling nodes, rounded up), and a node over its
     * share gives one back per round, so that a node joining gets its part without a restart.
     */
    void round() {
        Map<String, ConnectorRunner> enabled = new java.util.TreeMap<>();
        connectors.all().forEach((id, runner) -> { if (runner.settings().isEnabled()) enabled.put(id, runner); });
        if (enabled.isEmpty()) return;
        long now = wall.millis();
        int share;
        try {
            lease.acquire(NODE + node, now);
            share = (int) Math.ceil(enabled.size() / (double) Math.max(1, livePullers(now)));
        } catch (RuntimeException e) {
            LOG.warn("{}: could not count the pulling nodes ({}); keeping what runs here", node, e.toString());
            share = Integer.MAX_VALUE;
        }
        boolean gaveBack = false;
        for (var e : enabled.entrySet()) {
            String id = e.getKey();
            try {
                if (runs.containsKey(id) && runs.size() > share && !gaveBack) {
                    giveBack(id, e.getValue(), share);
                    gaveBack = true;
                } else if (runs.containsKey(id) || runs.size() < share) {
                    roundOf(id, e.getValue());
                }
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException x) {
                LOG.warn("source {}: lease round failed: {}", id, x.toString());
            }
        }
    }

    /** Nodes with pulled sources whose node lease has not expired (this one included). */
    private int livePullers(long now) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM cluster_lease WHERE name LIKE :p AND expires_at > :now")
                .bind("p", NODE + "%").bind("now", now).mapTo(Integer.class).one());
    }

    /** Gives a source to a node under its share. */
    private void giveBack(String id, ConnectorRunner runner, int share) throws InterruptedException {
        LOG.info("{} gives source {} back: it runs {} of the sources, its share is {}", node, id, runs.size(), share);
        release(id, runner);
    }

    /** Stops a source here (its step finishes and commits), then releases its lease: another node takes it at once. */
    private void release(String id, ConnectorRunner runner) throws InterruptedException {
        runner.stop();
        runs.remove(id);
        lease.release(PREFIX + id);
    }

    private void roundOf(String id, ConnectorRunner runner) throws InterruptedException {
        long now = wall.millis();
        Optional<Long> token = lease.acquire(PREFIX + id, now);
        Long current = runs.get(id);
        if (current != null && !token.equals(Optional.of(current))) {
            // Taken over, or expired and taken again under a new token: this run's view of the cursors may be stale.
            LOG.warn("{} lost the lease of source {} (token {}); stopping its connector", node, id, current);
            runs.remove(id);
            runner.stop();
            current = null;
        }
        if (token.isEmpty()) return;
        if (current == null) {
            LOG.info("{} runs source {} (lease token {})", node, id, token.get());
            runs.put(id, token.get());
            runner.start();
        }
        report(id, runner.status().reportedBy(node, Instant.ofEpochMilli(now)), now);
    }

    private void report(String id, SyncStatusView view, long now) {
        String text;
        try {
            text = json.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        jdbi.useTransaction(h -> {
            if (h.execute("UPDATE cluster_pull_status SET node = ?, status = ?, updated_at = ? WHERE source = ?", node, text, now, id) == 0) {
                h.execute("INSERT INTO cluster_pull_status (source, node, status, updated_at) VALUES (?, ?, ?, ?)", id, node, text, now);
            }
        });
    }

    /** Inside a connector's write transaction: refuses ({@link ClusterLease.Lost}) unless this node runs {@code source} under a lease it still holds. */
    private void fence(Handle h, String source) {
        Long token = runs.get(source);
        if (token == null) throw new ClusterLease.Lost(PREFIX + source, -1);
        lease.fence(h, PREFIX + source, token, wall.millis());
    }

    private long write(String source, java.util.List<com.fasterxml.jackson.databind.JsonNode> canonical, Map<String, String> cursors) {
        return pipeline.ingestWithCursor(source, canonical, cursors, h -> fence(h, source)).batch();
    }

    /** Cursors read from the store; moved only under the lease, like the records. */
    private final class FencedCursors implements CursorBook {
        @Override public Optional<String> get(String source, String stream) { return cursorStore.get(source, stream); }

        @Override public void save(String source, Map<String, String> cursors, long atMillis) {
            cursorStore.save(source, cursors, atMillis, h -> fence(h, source));
        }

        @Override public void delete(String source, String stream) { cursorStore.delete(source, stream, h -> fence(h, source)); }
    }

    /**
     * The source's status on any node: live where it runs; elsewhere the holder's last report,
     * "starting" while a new holder has not reported yet, "unassigned" while nobody holds it.
     */
    @Override public Optional<SyncStatusView> status(String sourceId) {
        ConnectorRunner runner = connectors.get(sourceId).orElse(null);
        if (runner == null) return Optional.empty();
        if (!runner.settings().isEnabled()) return Optional.of(runner.status());
        if (runs.containsKey(sourceId)) return Optional.of(runner.status().reportedBy(node, wall.instant()));
        Optional<ClusterLease.Holder> holder = lease.holder(PREFIX + sourceId).filter(x -> x.expiresAt() > wall.millis());
        Optional<SyncStatusView> reported = reported(sourceId);
        if (holder.isPresent()) {
            if (reported.isPresent() && holder.get().node().equals(reported.get().runBy())) return reported;
            return Optional.of(runner.status().withState("starting").reportedBy(holder.get().node(), null));
        }
        return Optional.of(reported.orElseGet(runner::status).withState("unassigned"));
    }

    @Override public Set<String> pulled() { return connectors.pulled(); }

    /** Why this node cannot run {@code sourceId}'s sync now (the source-sync task); empty when it runs it. */
    public Optional<String> notHere(String sourceId) {
        if (runs.containsKey(sourceId) || connectors.get(sourceId).isEmpty()) return Optional.empty();
        return Optional.of(lease.holder(PREFIX + sourceId).filter(x -> x.expiresAt() > wall.millis())
                .map(x -> "run by node " + x.node() + ", not this one (" + node + "); run the task there")
                .orElse("no node runs it at the moment (lease " + PREFIX + sourceId + " expired); try again in a few seconds"));
    }

    private Optional<SyncStatusView> reported(String sourceId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT status FROM cluster_pull_status WHERE source = ?").bind(0, sourceId)
                .mapTo(String.class).findOne()).map(text -> {
                    try {
                        return json.readValue(text, SyncStatusView.class);
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException("cluster_pull_status of " + sourceId + " is unreadable", e);
                    }
                });
    }

    @Override public void start() { loop.start(); }

    /** A clean stop: each running connector finishes its step (its commit), then the lease is released at once. */
    @Override public void stop() throws InterruptedException {
        loop.stop();
        lease.release(NODE + node);
        for (String id : Set.copyOf(runs.keySet())) {
            release(id, connectors.get(id).orElseThrow());
            LOG.info("{} stopped source {} and released its lease", node, id);
        }
    }
}
