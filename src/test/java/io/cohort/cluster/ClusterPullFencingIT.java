package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.ManualClock;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.ingest.SourceFactory;
import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.Connectors;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.PullSettings;
import io.cohort.ingest.pull.SyncStream;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.CursorStore;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease of a pulled source fences its writes ({@link ClusterPulls}), on the write path the
 * service wires in cluster mode: the journaled pipeline (records, ingest log, cursors in one
 * PostgreSQL transaction) and the cursor store. Two nodes in this JVM on one database, their
 * lease rounds driven by hand on a wall clock the test moves: a holder that was paused past its
 * lease — taken over or not — can neither commit a page nor move or delete a cursor, and nothing
 * of what it tried is stored; the new holder continues from the last committed cursor.
 */
class ClusterPullFencingIT {
    static final long LEASE_MS = 10_000;
    static final ObjectMapper JSON = Jackson.newObjectMapper();

    @TempDir static Path rules;
    static ClusterFixture f;
    final ManualClock wall = new ManualClock(Instant.parse("2026-12-01T00:00:00Z"));
    final Map<String, ClusterPulls.Writes> writes = new HashMap<>();

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.pull-fence", 1); }

    @AfterAll static void stop() { if (f != null) f.close(); }

    @Test
    void aHolderWhoseLeaseWasTakenOverCannotCommit() throws Exception {
        String source = "fenced-1";
        ClusterPulls a = node("node-a", source);
        ClusterPulls b = node("node-b", source);
        a.round();
        b.round();
        assertThat(a.running()).containsExactly(source);
        assertThat(b.running()).as("one node runs the source").isEmpty();
        write("node-a", source, 0, "{\"page\":1}");
        assertThatThrownBy(() -> write("node-b", source, 1, "{\"page\":9}")).as("a node without the lease")
                .isInstanceOf(ClusterLease.Lost.class);

        // a is paused past its lease (no renewal); b takes the source over.
        wall.advance(Duration.ofMillis(LEASE_MS + 1));
        b.round();
        assertThat(b.running()).containsExactly(source);
        Stored before = stored(source);
        assertThatThrownBy(() -> write("node-a", source, 1, "{\"page\":2}")).as("the zombie's page")
                .isInstanceOf(ClusterLease.Lost.class);
        assertThatThrownBy(() -> writes.get("node-a").cursors().save(source, Map.of("events", "{\"page\":0}"), wall.millis()))
                .as("the zombie's cursor alone").isInstanceOf(ClusterLease.Lost.class);
        assertThatThrownBy(() -> writes.get("node-a").cursors().delete(source, "events")).as("the zombie's reset")
                .isInstanceOf(ClusterLease.Lost.class);
        assertThat(stored(source)).as("nothing of the zombie's writes stored").isEqualTo(before);
        assertThat(before.cursor()).isEqualTo("{\"page\":1}");

        // b resumes from a's last committed cursor; a notices the loss at its next round and stops.
        write("node-b", source, 1, "{\"page\":2}");
        a.round();
        assertThat(a.running()).isEmpty();
        assertThat(a.status(source).orElseThrow().runBy()).as("a says who runs the source").isEqualTo("node-b");
        assertThat(stored(source)).isEqualTo(new Stored(List.of("e0", "e1"), "{\"page\":2}"));

        // A clean stop releases: a takes over at its next round, without waiting for expiry.
        b.stop();
        a.round();
        assertThat(a.running()).containsExactly(source);
        long token = f.jdbi.withHandle(h -> h.createQuery("SELECT token FROM cluster_lease WHERE name = ?").bind(0, "pull:" + source)
                .mapTo(Long.class).one());
        assertThat(token).as("a new token for every holder").isEqualTo(3L);
        a.stop();
        assertThat(b.status(source).orElseThrow().state()).as("released by both: nobody runs it").isEqualTo("unassigned");
    }

    @Test
    void aHolderPausedPastExpiryCannotCommitEvenBeforeATakeover() throws Exception {
        String source = "fenced-2";
        ClusterPulls a = node("node-a", source);
        a.round();
        write("node-a", source, 0, "{\"page\":1}");
        wall.advance(Duration.ofMillis(LEASE_MS + 1));
        Stored before = stored(source);
        assertThatThrownBy(() -> write("node-a", source, 1, "{\"page\":2}")).isInstanceOf(ClusterLease.Lost.class);
        assertThat(stored(source)).isEqualTo(before);
        a.round(); // taken again by a: a new token, so the run restarts and writes again
        write("node-a", source, 1, "{\"page\":2}");
        assertThat(stored(source)).isEqualTo(new Stored(List.of("e0", "e1"), "{\"page\":2}"));
        a.stop();
    }

    /**
     * Pulled sources spread over the nodes that pull: a node alone runs them all; a node joining
     * gets its share without a restart (the busier node gives one back per round); a node leaving
     * cleanly hands its sources to the others. A source never runs on two nodes at once.
     */
    @Test
    void sourcesSpreadOverTheNodesAndMoveWhenOneJoinsOrLeaves() throws Exception {
        String[] sources = {"spread-1", "spread-2", "spread-3", "spread-4", "spread-5", "spread-6"};
        ClusterPulls a = node("spread-a", sources);
        ClusterPulls b = node("spread-b", sources);
        ClusterPulls c = node("spread-c", sources);
        try {
            a.round();
            assertThat(a.running()).as("alone, a node runs every source").hasSize(6);

            roundsUntilSettled(a, b);
            assertThat(a.running()).as("a, after b joined").hasSize(3);
            assertThat(b.running()).as("b").hasSize(3);
            assertDisjoint(sources, a, b);

            roundsUntilSettled(a, b, c);
            assertThat(List.of(a.running().size(), b.running().size(), c.running().size())).as("a, b, c").containsExactly(2, 2, 2);
            assertDisjoint(sources, a, b, c);

            c.stop();
            roundsUntilSettled(a, b);
            assertThat(a.running().size() + b.running().size()).as("c's sources taken by a and b").isEqualTo(6);
            assertThat(List.of(a.running().size(), b.running().size())).containsExactly(3, 3);
            assertDisjoint(sources, a, b);

            // A node that dies keeps its node lease until it expires; then the others take its sources.
            wall.advance(Duration.ofMillis(LEASE_MS + 1));
            roundsUntilSettled(a);
            assertThat(a.running()).as("b stopped renewing: a runs everything again").hasSize(6);
        } finally {
            a.stop();
            b.stop();
            c.stop();
        }
    }

    /**
     * Lease rounds of these nodes, in turn, until two whole turns change nothing (a node learns of
     * one that joined only at its next round), at most 20 turns.
     */
    private static void roundsUntilSettled(ClusterPulls... nodes) {
        for (int turn = 0, quiet = 0; turn < 20; turn++) {
            List<java.util.Set<String>> before = java.util.Arrays.stream(nodes).map(ClusterPulls::running).toList();
            for (ClusterPulls n : nodes) n.round();
            quiet = before.equals(java.util.Arrays.stream(nodes).map(ClusterPulls::running).toList()) ? quiet + 1 : 0;
            if (quiet == 2) return;
        }
        throw new AssertionError("the nodes' sources did not settle in 20 turns");
    }

    private static void assertDisjoint(String[] sources, ClusterPulls... nodes) {
        List<String> all = java.util.Arrays.stream(nodes).flatMap(n -> n.running().stream()).sorted().toList();
        assertThat(all).as("each source on exactly one node").containsExactly(sources);
    }

    /** What the source has in PostgreSQL: its events' ids in ingest-log order, and its stream's cursor. */
    record Stored(List<String> logged, String cursor) {}

    private Stored stored(String source) {
        List<String> logged = new java.util.ArrayList<>();
        for (IngestLog.Logged l : new IngestLog(f.jdbi, JSON).after(0, 10_000)) {
            if (l instanceof IngestLog.Entry e && e.source().equals(source)) e.records().forEach(r -> logged.add(r.get("id").asText()));
        }
        long rows = f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record WHERE source = ?").bind(0, source)
                .mapTo(Long.class).one());
        assertThat(rows).as("stored records = logged records").isEqualTo(logged.size());
        return new Stored(logged, new CursorStore(f.jdbi).get(source, "events").orElse(null));
    }

    /** What a connector's step does: one page (event {@code n}) with the stream's new cursor, through the node's writer. */
    private void write(String node, String source, int n, String cursor) {
        JsonNode event = JSON.createObjectNode().put("type", "event").put("id", "e" + n).put("personId", "p" + n)
                .put("eventType", "page_view").put("timestamp", "2026-11-20T10:00:00Z");
        writes.get(node).writer().write(source, List.of(event), Map.of("events", cursor));
    }

    /** A node as ClusterWiring builds it: the journaled pipeline and cursor store, pulled sources whose connectors have no streams (the test writes for them). */
    private ClusterPulls node(String name, String... sources) {
        Pipeline pipeline = Pipeline.journaled(Map.of(), new RecordParser(new IngestLimits()), new RecordStore(f.jdbi, JSON),
                new IngestLog(f.jdbi, JSON)::append, wall, new MetricRegistry());
        PullSettings settings = new PullSettings() {
            @Override public Connector build(String sourceId, PullContext context) {
                return new Connector() {
                    @Override public String sourceId() { return sourceId; }
                    @Override public String type() { return "test"; }
                    @Override public List<SyncStream> streams() { return List.of(); }
                };
            }
        };
        SourceFactory factory = new SourceFactory() {
            @Override public io.cohort.ingest.NativeMapper nativeMapper(String sourceId) { return null; }
            @Override public PullSettings pull() { return settings; }
        };
        return new ClusterPulls(name, f.jdbi, JSON, LEASE_MS, wall, pipeline, new CursorStore(f.jdbi), w -> {
            writes.put(name, w);
            Map<String, SourceFactory> all = new java.util.TreeMap<>();
            for (String source : sources) all.put(source, factory);
            return new Connectors(all, id -> new PullContext(w.writer(), w.cursors(), null, null, null, 1000,
                    null, null, JSON, new MetricRegistry(), wall), wall);
        });
    }
}
