package io.cohort.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.Budget;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures of cluster mode with 1 and 2 processes (ClusterNodes in this JVM, each with its own
 * graph, consumer, relay): backlog throughput (work messages per second, from an ingest log of
 * random batches), ack → membership latency (append to the log returned → the membership row
 * committed), PostgreSQL commits per second, and the latency around a clean leave (rebalance).
 * Not a pass/fail test: it prints figures. Run: mvn test -Dtest=ClusterBenchIT -DexcludedGroups=
 * Knobs: -Dcluster.bench.batches (2000), -Dcluster.bench.probes (150).
 */
@Tag("soak")
class ClusterBenchIT {
    static final int BATCHES = Integer.getInteger("cluster.bench.batches", 2000);
    static final int PROBES = Integer.getInteger("cluster.bench.probes", 150);
    static final ObjectMapper JSON = Jackson.newObjectMapper();

    @TempDir static Path rules;
    static ClusterFixture f;
    static IngestLog log;
    static int probe;

    @BeforeAll static void start() throws Exception {
        f = new ClusterFixture(rules, "bench-setup", 1);
        log = new IngestLog(f.jdbi, JSON);
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(99, ClusterFixture.NOW, 3000, 2000, 400);
        for (int i = 0; i < BATCHES; i++) {
            RandomRecords.Batch b = gen.next();
            List<JsonNode> records = new ArrayList<>(b.records());
            parser.parse(records);
            log.append(b.source(), records, System.currentTimeMillis());
        }
    }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void figures() throws Exception {
        for (int n = 1; n <= 2; n++) run(n);
    }

    private void run(int processes) throws Exception {
        String topic = "bench-" + processes;
        f.jdbi.useHandle(h -> {
            for (String t : List.of("membership", "membership_change", "outbox", "cluster_partition", "cluster_relay", "cluster_lease")) {
                h.execute("DELETE FROM " + t);
            }
        });
        List<ClusterNode> nodes = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < processes; i++) {
            ClusterConfig c = f.config("bench-" + processes + "-" + i).topic(topic).groupId("bench-" + processes).partitions(6);
            ClusterNode node = new ClusterNode(c, f.jdbi, JSON, new RecordParser(new IngestLimits()), ClusterFixture.ACTIVATIONS,
                    f.book, f.clock, ClusterFixture.RETENTION, Budget.DEFAULT);
            node.start();
            nodes.add(node);
        }
        long started = System.nanoTime();
        try {
            awaitPublished(log.last());
            if (!f.awaitCaughtUp(topic, 6, Duration.ofMinutes(10))) throw new AssertionError("not caught up");
            long done = System.nanoTime();
            long messages = f.endOffsets(topic, 6).values().stream().mapToLong(Long::longValue).sum();
            double secs = (done - started) / 1e9;
            long commits = commits(nodes);
            System.out.printf("[%d process(es)] start (graph from %d batches): %d ms; backlog: %d work messages in %.1f s = %.0f/s, "
                            + "%.0f work commits/s; %d memberships%n", processes, BATCHES, (started - t0) / 1_000_000, messages, secs,
                    messages / secs, commits / secs, f.realized().size());

            long[] raw = probes(PROBES, processes == 2 ? nodes.get(1) : null);
            long[] lat = raw.clone();
            long commitsAfter = commits(nodes);
            long pause = 0;
            if (processes == 2) for (int i = PROBES / 3; i < Math.min(raw.length, PROBES / 3 + 20); i++) pause = Math.max(pause, raw[i]);
            Arrays.sort(lat);
            System.out.printf("[%d process(es)] ack -> membership over %d probes at ~20/s: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms; "
                            + "work commits (PostgreSQL transactions of workers) %.0f/s during probes%s%n", processes, lat.length,
                    lat[lat.length / 2], lat[lat.length * 9 / 10], lat[Math.min(lat.length - 1, lat.length * 99 / 100)],
                    lat[lat.length - 1], (commitsAfter - commits) / (lat.length / 20.0),
                    processes == 2 ? "; slowest probe within 20 after one process left (rebalance pause): " + pause + " ms" : "");
        } finally {
            for (ClusterNode n : nodes) n.stop();
        }
    }

    /**
     * Appends a batch that makes a new person enter probe-events and waits for the membership row;
     * with {@code leaving}, that node stops (a clean leave: Kafka rebalances) a third of the way in.
     */
    private long[] probes(int count, ClusterNode leaving) throws Exception {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            if (leaving != null && i == count / 3) {
                leaving.stop();
                System.out.printf("  one process left at probe %d%n", i);
            }
            int k = ++probe;
            String email = "probe" + k + "@bench.test";
            String batch = ("[{\"type\":\"person\",\"id\":\"BP%d\",\"email\":\"%s\"},"
                    + "{\"type\":\"event\",\"id\":\"BE%da\",\"personId\":\"BP%d\",\"eventType\":\"v\",\"timestamp\":\"2026-11-24T00:00:00Z\"},"
                    + "{\"type\":\"event\",\"id\":\"BE%db\",\"personId\":\"BP%d\",\"eventType\":\"v\",\"timestamp\":\"2026-11-23T00:00:00Z\"}]")
                    .formatted(k, email, k, k, k, k);
            List<JsonNode> records = new ArrayList<>();
            JSON.readTree(batch).forEach(records::add);
            String person = UnifiedIds.personByEmail(email);
            long t = System.nanoTime();
            log.append("crm-1", records, System.currentTimeMillis());
            while (!member(person)) {
                if (System.nanoTime() - t > 60_000_000_000L) throw new AssertionError("probe " + k + " never became a member");
                Thread.sleep(5);
            }
            out[i] = (System.nanoTime() - t) / 1_000_000;
            long rest = 50 - out[i];
            if (rest > 0) Thread.sleep(rest);
        }
        return out;
    }

    private boolean member(String person) {
        return f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM membership WHERE person_id = ? AND segment_id = 'probe-events' "
                + "AND status = 'realized'").bind(0, person).mapTo(Integer.class).one()) > 0;
    }

    private static long commits(List<ClusterNode> nodes) {
        return nodes.stream().mapToLong(n -> n.worker().commits()).sum();
    }

    private void awaitPublished(long last) throws InterruptedException {
        while (f.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(published_up_to), 0) FROM cluster_relay")
                .mapTo(Long.class).one()) < last) {
            Thread.sleep(50);
        }
    }
}
