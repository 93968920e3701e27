package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.ChildJvm;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Cohort worker processes (separate JVMs: {@link ClusterWorkerProcess}) share one
 * PostgreSQL and one consumer group. Random batches (merges, splits, deletes, events) are
 * appended to the ingest log while, every few seconds, one process is killed with SIGKILL and a
 * new one started; once, a working process is frozen (SIGSTOP) past its session timeout and then
 * resumed, a zombie. At the end the memberships equal a single-process evaluation of the final
 * data, each (segment, person) change feed folds to the membership, the outbox wants exactly the
 * consenting members, and people only moved between partitions produce no change.
 * Knobs: -Dcluster.killBatches (default 200), -Dcluster.killEvery (ms, default 6000).
 */
class ClusterKillIT {
    static final int PARTITIONS = 6;
    static final int BATCHES = Integer.getInteger("cluster.killBatches", 200);
    static final long KILL_EVERY = Long.getLong("cluster.killEvery", 6000);

    @TempDir static Path rules;
    /** The processes' logs, kept for a look after a failure. */
    static final Path logs = Path.of("target", "cluster-kill", String.valueOf(System.currentTimeMillis()));
    static ClusterFixture f;
    final List<Process> live = new ArrayList<>();
    final Map<Process, String> names = new HashMap<>();
    volatile Process zombie;
    int started;

    @BeforeAll static void start() throws Exception {
        Files.createDirectories(logs);
        f = new ClusterFixture(rules, "cohort.kill", PARTITIONS);
    }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void killedWorkersLoseAndDuplicateNothing() throws Exception {
        long t0 = System.nanoTime();
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        // Ids numbered per type, as many sources send them: relations of two types share keys.
        RandomRecords gen = new RandomRecords(Long.getLong("cluster.seed", 20261203L), ClusterFixture.NOW, 60, 40, 14, true);
        int kills = 0;
        try {
            for (int i = 0; i < 3; i++) launch();
            awaitReady(Duration.ofSeconds(90));
            long lastKill = System.nanoTime();
            long ingestStart = System.nanoTime();
            Random rnd = new Random(7);
            for (int step = 1; step <= BATCHES; step++) {
                RandomRecords.Batch b = gen.next();
                List<JsonNode> records = new ArrayList<>(b.records());
                parser.parse(records); // validated, as ingest does before storing
                log.append(b.source(), records, System.currentTimeMillis());
                Thread.sleep(100);
                if (step == BATCHES / 2) zombie = freeze(ready());
                List<Process> ready = ready();
                ready.remove(zombie);
                if (System.nanoTime() - lastKill > KILL_EVERY * 1_000_000 && !ready.isEmpty()) {
                    // A process that is working (ready), not one still starting on a busy machine.
                    Process victim = ready.get(rnd.nextInt(ready.size()));
                    live.remove(victim);
                    victim.destroyForcibly(); // SIGKILL
                    victim.waitFor();
                    kills++;
                    launch();
                    lastKill = System.nanoTime();
                }
            }
            long ingestMillis = (System.nanoTime() - ingestStart) / 1_000_000;
            long last = log.last();
            f.awaitPublished(last, Duration.ofSeconds(90));
            long publishedMillis = (System.nanoTime() - ingestStart) / 1_000_000;
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).as("workers caught up with the topic").isTrue();
            long settledMillis = (System.nanoTime() - ingestStart) / 1_000_000;

            ProfileGraph graph = f.replay(parser);
            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(fresh).as("the random data qualifies people").isNotEmpty();
            assertThat(f.realized()).as("memberships in PostgreSQL = a fresh single-process evaluation").isEqualTo(fresh);
            assertThat(f.feedViolations()).as("change feeds fold to the memberships").isEmpty();
            assertThat(f.outboxAdds()).isEqualTo(ClusterRebalanceIT.expectedAdds(graph, fresh));
            assertThat(kills).as("processes killed during ingestion").isGreaterThanOrEqualTo(2);
            long moved = f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM cluster_partition WHERE epoch > 1")
                    .mapTo(Long.class).one());
            assertThat(moved).as("partitions that changed owner").isPositive();

            // Kill once more, start another, evaluate everyone again: only moves, so no change.
            long changes = f.changeCount();
            Process victim = live.remove(0);
            victim.destroyForcibly();
            victim.waitFor();
            kills++;
            launch();
            awaitReady(Duration.ofSeconds(60));
            Set<String> everyone = new TreeSet<>(graph.personIds());
            fresh.forEach(q -> everyone.add(q.personId()));
            try (WorkPublisher p = new WorkPublisher(f.config("test"))) {
                p.publish(everyone, last);
            }
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).isTrue();
            assertThat(f.changeCount()).as("people only moved between partitions: no change").isEqualTo(changes);
            assertThat(f.realized()).isEqualTo(fresh);
            System.out.printf("cluster kill: %d batches in %d ms while %d SIGKILLs (%d processes started); work published at %d ms, "
                            + "settled at %d ms after the first batch; %d changes, %d members; %d partitions moved; total %d ms%n", BATCHES, ingestMillis,
                    kills, started, publishedMillis, settledMillis, changes, fresh.size(), moved, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            for (Process p : live) p.destroyForcibly();
        }
    }

    private void launch() throws IOException {
        String node = "node-" + (++started);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        cmd.addAll(ChildJvm.classPath());
        cmd.addAll(List.of(ClusterWorkerProcess.class.getName(), f.jdbcUrl(), f.kafka.bootstrapServers(),
                f.topic, String.valueOf(PARTITIONS), node, rules.toString(), ClusterFixture.NOW.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(node + ".log").toFile()).start();
        live.add(p);
        names.put(p, node);
    }

    /**
     * Freezes a working process (SIGSTOP) for longer than its session timeout, so Kafka gives its
     * partitions away, then lets it go on (SIGCONT): a zombie that may still hold work in hand,
     * which its epoch must keep from being committed.
     */
    private Process freeze(List<Process> ready) {
        if (ready.isEmpty()) return null;
        Process p = ready.get(0);
        Thread t = new Thread(() -> {
            try {
                signal("STOP", p);
                Thread.sleep(6_000);
                signal("CONT", p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "freezer");
        t.setDaemon(true);
        t.start();
        System.out.printf("froze %s for 6 s%n", names.get(p));
        return p;
    }

    private static void signal(String signal, Process p) throws Exception {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start().waitFor();
    }

    private List<Process> ready() throws IOException {
        List<Process> out = new ArrayList<>();
        for (Process p : live) {
            Path file = logs.resolve(names.get(p) + ".log");
            if (Files.exists(file) && Files.readString(file).contains("READY")) out.add(p);
        }
        return out;
    }

    /** Waits until every live process printed READY. */
    private void awaitReady(Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        for (Process p : live) {
            Path file = logs.resolve(names.get(p) + ".log");
            while (!(Files.exists(file) && Files.readString(file).contains("READY"))) {
                if (System.nanoTime() > until || !p.isAlive()) throw new AssertionError(names.get(p) + " not ready: " + tail(file));
                Thread.sleep(200);
            }
        }
    }

    private static String tail(Path file) throws IOException {
        if (!Files.exists(file)) return "(no log)";
        String s = Files.readString(file);
        return s.substring(Math.max(0, s.length() - 3000));
    }
}
