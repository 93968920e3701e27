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
 * committed) with one, then two `server` processes, with PostgreSQL's commits per batch (its own
 * count, pg_stat_database) and at rest; then the serial part of ingest without HTTP: batches
 * stored and journaled by one, then four pipelines in this JVM (as four nodes would, each its own
 * transaction, all behind the ingest log's lock). Prints figures; asserts only that every batch
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

    /** Run alone: {@code -Dtest=ClusterServiceBenchIT#logLockCeiling -DexcludedGroups=}. */
    @Test
    void logLockCeiling() throws Exception {
        RandomRecords gen = new RandomRecords(4712, ClusterFixture.NOW, 3000, 2000, 400);
        logLock(1, gen); // warm-up (JIT), not a figure
        for (int round = 0; round < 2; round++) {
            logLock(1, gen);
            logLock(4, gen);
        }
    }

    /** PostgreSQL's count of committed transactions in this fixture's database (updated by backends within ~1 s). */
    private long commits() {
        return f.jdbi.withHandle(h -> h.createQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = ?")
                .bind(0, f.database).mapTo(Long.class).one());
    }

    /**
     * Batches of the same random kind stored and journaled by {@code pipelines} pipelines at once, each
     * with its own store and transactions on its own connection (as a node's pool gives), as that many
     * nodes would: every append takes the log's lock first, so if the lock is the ceiling, four do no
     * more than one.
     */
    private void logLock(int pipelines, RandomRecords gen) throws Exception {
        int each = 2400 / pipelines;
        List<List<RandomRecords.Batch>> work = new ArrayList<>();
        for (int p = 0; p < pipelines; p++) {
            List<RandomRecords.Batch> mine = new ArrayList<>();
            for (int i = 0; i < each; i++) mine.add(gen.next());
            work.add(mine);
        }
        IngestLog log = new IngestLog(f.jdbi, io.dropwizard.jackson.Jackson.newObjectMapper());
        List<Thread> threads = new ArrayList<>();
        long before = commits();
        long t0 = System.nanoTime();
        List<java.sql.Connection> connections = new ArrayList<>();
        for (List<RandomRecords.Batch> mine : work) {
            java.sql.Connection connection = f.pg.getDatabase("postgres", f.database).getConnection();
            connections.add(connection);
            org.jdbi.v3.core.Jdbi jdbi = org.jdbi.v3.core.Jdbi.create(connection);
            io.cohort.pipeline.Pipeline pipeline = io.cohort.pipeline.Pipeline.journaled(Map.of(),
                    new io.cohort.ingest.RecordParser(new io.cohort.ingest.IngestLimits()),
                    new io.cohort.store.RecordStore(jdbi, io.dropwizard.jackson.Jackson.newObjectMapper()), log::append, f.clock,
                    new com.codahale.metrics.MetricRegistry());
            Thread t = new Thread(() -> {
                for (RandomRecords.Batch b : mine) pipeline.ingest(b.source(), new ArrayList<>(b.records()));
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join();
        double secs = (System.nanoTime() - t0) / 1e9;
        for (java.sql.Connection c : connections) c.close();
        Thread.sleep(2000);
        System.out.printf("[log lock] %d pipeline(s) in this JVM, no HTTP: %d batches stored and journaled in %.2f s = %.0f batches/s "
                        + "(%.2f ms each), %.2f PostgreSQL commits per batch%n", pipelines, each * pipelines, secs, each * pipelines / secs,
                secs * 1000 / (each * pipelines), (commits() - before) / (double) (each * pipelines));
    }

    private void run(int processes, RandomRecords gen) throws Exception {
        List<RandomRecords.Batch> batches = new ArrayList<>();
        for (int i = 0; i < BATCHES; i++) batches.add(gen.next());
        AtomicInteger next = new AtomicInteger();
        long commitsBefore = commits();
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
        // At rest (leases, relay and clock rounds, polls) over 5 s, to tell apart what the batches cost.
        Thread.sleep(1500);
        long commitsSettled = commits();
        Thread.sleep(5000);
        double restPerSec = (commits() - commitsSettled) / 5.0;
        long batchCommits = commitsSettled - commitsBefore;
        System.out.printf("[%d process(es)] %d batches POSTed by 2 client threads in %.1f s = %.0f batches/s; evaluated and committed "
                        + "%.1f s after the first POST; PostgreSQL: %d commits until settled = %.1f per batch, %.1f at rest per second "
                        + "(so %.1f per batch beyond rest)%n", processes, BATCHES, ingestSecs, BATCHES / ingestSecs, settledSecs,
                batchCommits, batchCommits / (double) BATCHES, restPerSec,
                (batchCommits - restPerSec * (settledSecs + 1.5)) / BATCHES);

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
