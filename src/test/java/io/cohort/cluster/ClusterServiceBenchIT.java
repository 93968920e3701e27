package io.cohort.cluster;

import io.cohort.identity.UnifiedIds;
import io.cohort.it.CohortApp;
import io.cohort.reliability.CohortProcess;
import io.cohort.reliability.RandomRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures of the service in cluster mode, through HTTP: ingest throughput (two client threads
 * POSTing batches) and ack → membership latency (a POST answered 200 until the membership row is
 * committed) with one, then two `server` processes. Prints figures; asserts only that every batch
 * is accepted and every probe arrives. Not in CI (tag soak):
 * {@code mvn test -Dtest=ClusterServiceBenchIT -DexcludedGroups=}.
 */
@Tag("soak")
class ClusterServiceBenchIT {
    static final int BATCHES = Integer.getInteger("cluster.serviceBench.batches", 600);
    static final int PROBES = Integer.getInteger("cluster.serviceBench.probes", 100);

    @TempDir static Path fixtureRules;
    static final Path dirs = Path.of("target", "cluster-service-bench", String.valueOf(System.currentTimeMillis()));
    static ClusterFixture f;
    final List<CohortProcess> nodes = new ArrayList<>();
    int probe;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(fixtureRules, "bench.service", 6); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void figures() throws Exception {
        RandomRecords gen = new RandomRecords(4711, ClusterFixture.NOW, 3000, 2000, 400);
        try {
            nodes.add(node(1).start());
            run(1, gen);
            nodes.add(node(2).start());
            run(2, gen);
        } finally {
            for (CohortProcess p : nodes) p.close();
        }
    }

    private void run(int processes, RandomRecords gen) throws Exception {
        List<RandomRecords.Batch> batches = new ArrayList<>();
        for (int i = 0; i < BATCHES; i++) batches.add(gen.next());
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            CohortProcess to = nodes.get(c % nodes.size());
            Thread t = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < batches.size(); ) {
                    RandomRecords.Batch b = batches.get(i);
                    CohortApp.Response r = to.post("/v1/sources/" + b.source() + "/records", b.body());
                    if (r.status() != 200) throw new AssertionError(r.toString());
                }
            });
            t.start();
            clients.add(t);
        }
        for (Thread t : clients) t.join();
        double ingestSecs = (System.nanoTime() - t0) / 1e9;
        long last = new IngestLog(f.jdbi, io.dropwizard.jackson.Jackson.newObjectMapper()).last();
        f.awaitPublished(last, Duration.ofMinutes(5));
        if (!f.awaitCaughtUp(Duration.ofMinutes(5))) throw new AssertionError("not caught up");
        double settledSecs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[%d process(es)] %d batches POSTed by 2 client threads in %.1f s = %.0f batches/s; evaluated and committed "
                + "%.1f s after the first POST%n", processes, BATCHES, ingestSecs, BATCHES / ingestSecs, settledSecs);

        long[] lat = new long[PROBES];
        for (int i = 0; i < PROBES; i++) {
            int k = ++probe;
            String email = "probe" + k + "@bench.test";
            String body = ("{\"records\":[{\"type\":\"person\",\"id\":\"BP%d\",\"email\":\"%s\"},"
                    + "{\"type\":\"event\",\"id\":\"BE%da\",\"personId\":\"BP%d\",\"eventType\":\"v\",\"timestamp\":\"2026-11-24T00:00:00Z\"},"
                    + "{\"type\":\"event\",\"id\":\"BE%db\",\"personId\":\"BP%d\",\"eventType\":\"v\",\"timestamp\":\"2026-11-23T00:00:00Z\"}]}")
                    .formatted(k, email, k, k, k, k);
            String person = UnifiedIds.personByEmail(email);
            CohortApp.Response r = nodes.get(i % nodes.size()).post("/v1/sources/crm-1/records", body);
            if (r.status() != 200) throw new AssertionError(r.toString());
            long acked = System.nanoTime();
            while (!member(person)) {
                if (System.nanoTime() - acked > 60_000_000_000L) throw new AssertionError("probe " + k + " never became a member");
                Thread.sleep(5);
            }
            lat[i] = (System.nanoTime() - acked) / 1_000_000;
            if (lat[i] < 50) Thread.sleep(50 - lat[i]);
        }
        Arrays.sort(lat);
        System.out.printf("[%d process(es)] ack -> membership over %d probes: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n", processes,
                PROBES, lat[PROBES / 2], lat[PROBES * 9 / 10], lat[Math.min(PROBES - 1, PROBES * 99 / 100)], lat[PROBES - 1]);
    }

    private boolean member(String person) {
        return f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM membership WHERE person_id = ? AND segment_id = 'probe-events' "
                + "AND status = 'realized'").bind(0, person).mapTo(Integer.class).one()) > 0;
    }

    private CohortProcess node(int n) throws Exception {
        return f.node(dirs.resolve("node-" + n).toAbsolutePath(), "cohort-bench", "bench-" + n, "", "");
    }
}
