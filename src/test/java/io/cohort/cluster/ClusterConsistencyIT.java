package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.Budget;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.cohort.identity.ProfileGraph;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consistency check in cluster mode: the clock holder publishes a sample every
 * engine.consistencyCheck; the workers evaluate it afresh, correct what differs from the stored
 * memberships, count it and name it in the change feed ("consistency"). Here the sample is
 * everyone and the check runs every second: a membership lost by hand comes back by itself.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ClusterConsistencyIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.consistency", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aMembershipLostOutsideTheEngineIsFoundCorrectedAndCounted() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            startTwo("k", parser, Duration.ofMillis(200), io.dropwizard.util.Duration.seconds(2), nodes);
            ClusterFixture.append(log, parser, new RandomRecords(99, ClusterFixture.NOW, 30, 25, 10), 60);
            f.awaitPublished(log.last(), Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            ProfileGraph graph = f.replay(parser);
            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).isEqualTo(fresh);
            assertThat(differences(nodes)).as("checks of a correct store find nothing").isZero();

            Qualified lost = fresh.iterator().next();
            f.lose(lost);
            long until = System.nanoTime() + 60_000_000_000L;
            while (!f.realized().equals(fresh) && System.nanoTime() < until) Thread.sleep(100);
            assertThat(f.realized()).as("the periodic check restored it").isEqualTo(fresh);
            // The worker counts the difference after its commit, which the loop above may see first.
            while (differences(nodes) == 0 && System.nanoTime() < until) Thread.sleep(50);
            assertThat(differences(nodes)).as("counted once, by the worker that corrected it").isEqualTo(1);
            List<String> causes = f.jdbi.withHandle(h -> h.createQuery("SELECT cause FROM membership_change WHERE segment_id = ? AND person_id = ?")
                    .bind(0, lost.segmentId()).bind(1, lost.personId()).mapTo(String.class).list());
            assertThat(causes).as("the change feed names the check").containsExactly("consistency");
            assertThat(f.feedViolations()).isEmpty();

            // By hand (what the periodic check calls): everyone again, nothing differs now.
            assertThat(nodes.get(0).consistencyCheck(100_000)).isGreaterThanOrEqualTo(graph.personIds().size());
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(differences(nodes)).isEqualTo(1);
        } finally {
            for (ClusterNode n : nodes) n.stop();
        }
    }

    /**
     * A window that closes after the clock's last round is the clock's work, not a difference:
     * with the clock ticking once an hour and a check every second, a person whose window closed
     * a minute ago is left out of the samples (and a check read long after its publication would
     * not count, WorkScopeTest). Fails when the sample keeps people who are due.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aWindowTheClockHasNotHandledYetIsNotADifference() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            java.time.Instant now = f.clock.instant();
            // Probe-events until 10 s from now, when the older event turns 30 days old.
            Qualified pz = ClusterFixture.twoEvents(log, parser, "PZ", now.minus(Duration.ofDays(30)).plusSeconds(10),
                    now.minus(Duration.ofDays(1)));
            // A long lease: a takeover of the clock would publish PZ's window (rightly) and end the test's premise.
            startTwo("w", parser, Duration.ofHours(1), io.dropwizard.util.Duration.seconds(30), nodes);
            f.awaitPublished(log.last(), Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(f.realized()).contains(pz);

            f.clock.advance(Duration.ofMinutes(1)); // past PZ's edge; the clock's next round is an hour away
            Thread.sleep(4_000); // four checks of everyone
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(differences(nodes)).as("a closing window the clock has not handled is not a difference").isZero();
            assertThat(f.realized()).as("left to the clock's next round").contains(pz);
        } finally {
            for (ClusterNode n : nodes) n.stop();
        }
    }

    /** Two nodes checking everyone every second, time moving on every {@code tick}. */
    private static void startTwo(String prefix, RecordParser parser, Duration tick, io.dropwizard.util.Duration lease,
                                 List<ClusterNode> nodes) throws Exception {
        for (int i = 0; i < 2; i++) {
            ClusterNode n = new ClusterNode(f.config(prefix + i).leaseDuration(lease), f.jdbi,
                    Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book, f.clock, ClusterFixture.RETENTION,
                    Budget.DEFAULT, tick, Duration.ofDays(30), Duration.ofSeconds(1), 100_000, io.cohort.identity.ProfileGraph.DEFAULT_STEP_TWO_LIMIT, b -> {});
            n.start();
            nodes.add(n);
        }
    }

    private static long differences(List<ClusterNode> nodes) {
        return nodes.stream().mapToLong(n -> n.worker().consistencyDifferences()).sum();
    }
}
