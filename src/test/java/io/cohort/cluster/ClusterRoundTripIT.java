package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.reliability.CohortProcess;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.PostgresOutage;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator tries cluster mode, goes back to single mode on the same PostgreSQL database, and
 * later to cluster mode again: real {@code server} processes over HTTP. Single mode numbers its
 * batches after the cluster's and evaluates everyone once; the cluster, started again on its old
 * snapshots, finds batches the ingest log never saw and must load them from the store and number
 * on after them. At each step every batch number is new and the memberships equal a fresh
 * evaluation of the store; each change feed folds; what a webhook receiver was sent (by single
 * mode's dispatcher, then the cluster's) folds, newest change per member by its {@code seq}, to
 * the consenting members. Fails (without the second conversion) when the
 * cluster numbers from its own log again: its first batch collides with single mode's; and, in
 * the runs where one of the cluster's changes falls between single mode's (ClusterNumberingIT
 * makes that certain), when it numbers its changes from its own sequence again.
 */
class ClusterRoundTripIT {
    static final String TOPIC = "cohort.roundtrip";
    static final int PARTITIONS = 4;
    static final int CLUSTER_BATCHES = 80;
    static final int LATER_BATCHES = 40;
    static final List<String> SEGMENTS = List.of("probe-events", "probe-deal", "probe-won");

    @TempDir static Path fixtureRules;
    static final Path dirs = Path.of("target", "cluster-roundtrip", String.valueOf(System.currentTimeMillis()));
    static ClusterFixture f;
    static FoldingReceiver hook;

    @BeforeAll static void start() throws Exception {
        Files.createDirectories(dirs);
        f = new ClusterFixture(fixtureRules, TOPIC, PARTITIONS);
        hook = new FoldingReceiver();
    }

    @AfterAll static void stop() throws Exception {
        if (hook != null) hook.close();
        if (f != null) f.close();
    }

    @Test
    void aDatabaseGoesFromTheClusterToSingleModeAndBack() throws Exception {
        RandomRecords gen = new RandomRecords(20261205L, ClusterFixture.NOW, 50, 35, 12);
        List<Long> numbers = new ArrayList<>();
        CohortProcess a = process("node-a", true);
        CohortProcess b = process("node-b", true);
        CohortProcess single = process("single", false);
        try {
            // 1. Cluster mode: two nodes take batches in turn.
            ClusterServiceIT.startAll(List.of(a, b));
            for (int i = 0; i < CLUSTER_BATCHES; i++) numbers.add(PostgresOutage.post(i % 2 == 0 ? a : b, gen.next()));
            settleCluster();
            assertThat(f.realized()).as("memberships after the cluster's batches").isEqualTo(fresh().members());
            long clusterLast = numbers.get(numbers.size() - 1);
            a.stop();
            b.stop();
            assertThat(Files.exists(a.dir.resolve("graph.snapshot"))).as("a clean stop writes the node's snapshot").isTrue();

            // 2. Single mode on the same database: it numbers after the cluster's batches and evaluates everyone once.
            single.start().awaitReady(Duration.ofSeconds(60));
            assertThat(awaitRealized(fresh().members())).as("single mode's memberships at its start").isTrue();
            for (int i = 0; i < LATER_BATCHES; i++) numbers.add(PostgresOutage.post(single, gen.next()));
            assertThat(numbers.get(CLUSTER_BATCHES)).as("single mode's first batch follows the cluster's last").isEqualTo(clusterLast + 1);
            Fresh inSingle = fresh();
            Set<Qualified> afterSingle = inSingle.members();
            assertThat(awaitRealized(afterSingle)).as("single mode's memberships after its batches").isTrue();
            assertThat(inSingle.wanted()).as("consenting members to deliver").isNotEmpty();
            assertThat(hook.awaitMembers(inSingle.wanted())).as("the receiver's audiences after single mode").isEqualTo(inSingle.wanted());
            for (String segment : SEGMENTS) assertThat(single.members(segment)).as("members of %s", segment).isEqualTo(of(afterSingle, segment));
            long singleLast = numbers.get(numbers.size() - 1);
            single.stop();
            FeedNumbers singleNumbers = FeedNumbers.of(f.jdbi);

            // 3. Cluster mode again, from snapshots of a log that never saw single mode's batches.
            ClusterServiceIT.startAll(List.of(a, b));
            for (int i = 0; i < LATER_BATCHES; i++) numbers.add(PostgresOutage.post(i % 2 == 0 ? b : a, gen.next()));
            // (singleLast + 1 is the empty entry that starts the log after single mode's batches.)
            assertThat(numbers.get(CLUSTER_BATCHES + LATER_BATCHES)).as("the cluster's first batch follows single mode's last")
                    .isEqualTo(singleLast + 2);
            settleCluster();
            Fresh last = fresh();
            Set<Qualified> end = last.members();
            assertThat(f.realized()).as("memberships after the cluster took the database back").isEqualTo(end);
            for (CohortProcess p : List.of(a, b)) {
                for (String segment : SEGMENTS) {
                    assertThat(p.members(segment)).as("members of %s on %s", segment, p.dir.getFileName()).isEqualTo(of(end, segment));
                }
            }
            // Both nodes' graphs hold single mode's batches: one profile for each email, the same on both.
            for (String email : gen.emails().subList(0, 10)) {
                String q = "/v1/profiles?email=" + java.net.URLEncoder.encode(email, java.nio.charset.StandardCharsets.UTF_8);
                CohortApp.Response ra = a.get(q);
                CohortApp.Response rb = b.get(q);
                assertThat(ra.status()).as("profile of %s on node-a", email).isEqualTo(rb.status());
                assertThat(ra.body()).as("profile of %s", email).isEqualTo(rb.body());
            }
            assertThat(new HashSet<>(numbers)).as("every batch got a number of its own").hasSize(numbers.size());
            singleNumbers.assertLaterChangesNumberedAfter(f.jdbi);
            assertThat(f.feedViolations()).as("change feeds fold to the memberships across the three periods").isEmpty();
            assertThat(hook.awaitMembers(last.wanted())).as("the receiver's audiences after the cluster took the database back")
                    .isEqualTo(last.wanted());
        } finally {
            for (CohortProcess p : List.of(a, b, single)) p.close();
        }
    }

    /** A node (cluster mode) or a single-mode process on the fixture's database, with a snapshot file, the manual clock at NOW. */
    private static CohortProcess process(String name, boolean cluster) throws Exception {
        Path dir = dirs.resolve(name).toAbsolutePath();
        Files.createDirectories(dir);
        ClusterFixture.copyRules(dir.resolve("rules"));
        String clusterBlock = cluster ? "cluster: {mode: kafka, bootstrapServers: \"%s\", topic: %s, partitions: %d, groupId: %s, nodeId: %s, sessionTimeout: 3s, leaseDuration: 3s}\n"
                .formatted(f.kafka.bootstrapServers(), TOPIC, PARTITIONS, ClusterFixture.groupId(TOPIC), name) : "";
        return CohortProcess.configured(dir, f.jdbcUrl(), """
                database: {driverClass: org.postgresql.Driver, url: "%s", user: postgres, password: postgres}
                sources: {crm-1: {type: generic}, marketo-1: {type: generic}, mdm: {type: generic}}
                engine: {rulesDirectory: "%s", watchRules: false, manualClock: true, manualClockStart: "%s", snapshotFile: "%s"}
                auth:
                  tokens: [{name: all, token: %s, roles: [ingest, analyst, reader, operator]}]
                destinations:
                  hook: {type: webhook, url: "%s", secret: test-secret}
                activations:
                  - {id: events-hook, segment: probe-events, destination: hook}
                  - {id: deal-hook, segment: probe-deal, destination: hook}
                dispatcher: {pollInterval: 200ms}
                """.formatted(f.jdbcUrl(), dir.resolve("rules"), ClusterFixture.NOW, dir.resolve("graph.snapshot"), CohortApp.TOKEN, hook.url())
                + clusterBlock);
    }

    private static void settleCluster() throws InterruptedException {
        f.awaitPublished(new IngestLog(f.jdbi, Jackson.newObjectMapper()).last(), Duration.ofSeconds(90));
        assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).as("workers caught up with the topic").isTrue();
    }

    /** A fresh evaluation and what a receiver of the two activations should hold after it ("activation/person" adds). */
    record Fresh(Set<Qualified> members, Set<String> wanted) {}

    /** A single process's evaluation of what the store holds, with the fixture's rules (the processes' own). */
    private static Fresh fresh() throws Exception {
        ProfileGraph stored = new ProfileGraph();
        new Pipeline(Map.of(), new RecordParser(new IngestLimits()), new RecordStore(f.jdbi, Jackson.newObjectMapper()), stored, null,
                f.clock, new MetricRegistry()).loadFromStore();
        Set<Qualified> fresh = FreshEvaluation.of(stored, f.book, f.clock, 2);
        assertThat(fresh).as("the random data qualifies people").isNotEmpty();
        Set<String> wanted = new TreeSet<>();
        for (String a : ClusterRebalanceIT.expectedAdds(stored, fresh)) {
            wanted.add(a.replace("events-to-marketo/", "events-hook/").replace("deal-to-marketo/", "deal-hook/"));
        }
        return new Fresh(fresh, wanted);
    }

    /** Whether the stored memberships reach {@code wanted} within 60 s (single mode evaluates after it acknowledges). */
    private static boolean awaitRealized(Set<Qualified> wanted) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < until) {
            if (f.realized().equals(wanted)) return true;
            Thread.sleep(200);
        }
        assertThat(f.realized()).isEqualTo(wanted); // shows the difference
        return false;
    }

    private static Set<String> of(Set<Qualified> members, String segment) {
        Set<String> out = new TreeSet<>();
        members.stream().filter(q -> q.segmentId().equals(segment)).forEach(q -> out.add(q.personId()));
        return out;
    }
}
