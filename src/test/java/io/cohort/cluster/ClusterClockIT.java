package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.Budget;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time in cluster mode: three {@link ClusterNode}s in this JVM share a manual clock. Moving it on 5
 * days, people whose events left a window (probe-events: two events in 30 days) are published as
 * work by the process holding the clock lease, and memberships equal a fresh evaluation at the new
 * time; then that process stops, the clock moves 10 more days, and the other process takes the
 * lease over, catching up the windows that closed meanwhile; that process then loses Kafka, and a
 * third takes the clock over from it; 20 days more pass engine.clockSweep, and the segments that
 * read the time otherwise are evaluated for everyone too.
 */
class ClusterClockIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.clock", 4); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void closingWindowsAndTheSweepBecomeWorkAndSurviveATakeover() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(777, ClusterFixture.NOW, 20, 16, 8);
        Map<String, ClusterNode> nodes = new LinkedHashMap<>();
        try {
            for (String name : List.of("c1", "c2", "c3")) {
                ClusterConfig config = f.config(name).leaseDuration(io.dropwizard.util.Duration.seconds(2))
                        .sessionTimeout(io.dropwizard.util.Duration.seconds(3));
                ClusterNode n = new ClusterNode(config, f.jdbi, Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book,
                        f.clock, ClusterFixture.RETENTION, Budget.DEFAULT, Duration.ofMillis(200), Duration.ofDays(30), Duration.ZERO, 0, io.cohort.identity.ProfileGraph.DEFAULT_STEP_TWO_LIMIT, b -> {});
                n.start();
                nodes.put(name, n);
            }
            ClusterFixture.append(log, parser, gen, 160);
            // Two people whose older event leaves probe-events' 30-day window in 3 days (PX) and in 8 days (PY).
            Qualified px = twoEvents(log, parser, "PX", 27);
            Qualified py = twoEvents(log, parser, "PY", 22);
            // And one whose older event leaves it in 16 days (PZ).
            Qualified pz = twoEvents(log, parser, "PZ", 14);
            awaitSettled(log.last());
            ProfileGraph graph = f.replay(parser);
            Set<Qualified> atStart = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).isEqualTo(atStart).contains(px, py, pz);

            // Five days on: less than the sweep, so only closing windows move anyone.
            f.clock.advance(Duration.ofDays(5));
            awaitTicked(f.clock.millis());
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> later = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(later).as("an event left probe-events' 30-day window").doesNotContain(px).contains(py);
            assertThat(f.realized()).doesNotContain(px).contains(py);
            Set<String> clocked = f.book.shape().segments().values().stream().filter(s -> s.clockDependent()).map(s -> s.id())
                    .collect(Collectors.toSet());
            assertThat(withoutClocked(f.realized(), clocked)).as("memberships = a fresh evaluation 5 days later (windowed segments)")
                    .isEqualTo(withoutClocked(later, clocked));
            assertThat(f.feedViolations()).isEmpty();

            // The holder stops; ten more days pass before the other process takes the clock over: PY's
            // window closed while nobody held the clock.
            String holder = f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = 'clock'")
                    .mapTo(String.class).one());
            // As if the holder died: its lease stays until it expires (3 s), so nobody handles time meanwhile.
            f.jdbi.useHandle(h -> h.execute("UPDATE cluster_lease SET holder = 'dead', expires_at = ? WHERE name = 'clock'",
                    System.currentTimeMillis() + 3_000));
            nodes.remove(holder).stop();
            f.clock.advance(Duration.ofDays(10));
            awaitTicked(f.clock.millis());
            String taker = f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = 'clock'")
                    .mapTo(String.class).one());
            assertThat(taker).as("the other process holds the clock").isNotEqualTo(holder);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> taken = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(taken).doesNotContain(py);
            assertThat(withoutClocked(f.realized(), clocked)).as("memberships = a fresh evaluation 15 days later (windowed segments)")
                    .isEqualTo(withoutClocked(taken, clocked));

            // The new holder loses Kafka (its producer closed) and three more days pass: PZ's window
            // closes, the holder cannot publish it, leaves the lease, and the third process takes
            // the clock over from the time last stored. Before, the failing holder kept the lease.
            nodes.get(taker).publisher().close();
            f.clock.advance(Duration.ofDays(3));
            awaitTicked(f.clock.millis());
            String third = f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = 'clock'")
                    .mapTo(String.class).one());
            assertThat(third).as("a process that can publish holds the clock").isNotIn(holder, taker);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> cutOff = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(cutOff).doesNotContain(pz);
            assertThat(withoutClocked(f.realized(), clocked)).as("memberships = a fresh evaluation 18 days later (windowed segments)")
                    .isEqualTo(withoutClocked(cutOff, clocked));

            // Past engine.clockSweep (30 days here) since the first sweep: segments reading the time otherwise too.
            f.clock.advance(Duration.ofDays(20));
            awaitTicked(f.clock.millis());
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> last = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).as("memberships = a fresh evaluation 38 days later, every segment").isEqualTo(last);
            assertThat(f.feedViolations()).isEmpty();
            System.out.printf("cluster clock: %d members at start, %d after 5 days, %d after 15 days, %d after 38 days; %d changes; "
                    + "segments reading the time otherwise (swept): %s%n", atStart.size(), later.size(), taken.size(), last.size(),
                    f.changeCount(), clocked);
        } finally {
            for (ClusterNode n : nodes.values()) n.stop();
        }
    }

    /** A person with two events, {@code daysAgo} and one day before NOW: in probe-events until the older one is 30 days old. */
    private static Qualified twoEvents(IngestLog log, RecordParser parser, String id, int daysAgo) throws Exception {
        return ClusterFixture.twoEvents(log, parser, id, ClusterFixture.NOW.minus(Duration.ofDays(daysAgo)), ClusterFixture.NOW.minus(Duration.ofDays(1)));
    }

    private static Set<Qualified> withoutClocked(Set<Qualified> s, Set<String> clocked) {
        return s.stream().filter(q -> !clocked.contains(q.segmentId())).collect(Collectors.toSet());
    }

    private static void awaitTicked(long millis) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (f.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(ticked_up_to), 0) FROM cluster_clock").mapTo(Long.class).one()) < millis) {
            if (System.nanoTime() > until) throw new AssertionError("the cluster's time did not reach " + java.time.Instant.ofEpochMilli(millis));
            Thread.sleep(50);
        }
    }

    private static void awaitSettled(long last) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (f.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(published_up_to), 0) FROM cluster_relay")
                .mapTo(Long.class).one()) < last) {
            if (System.nanoTime() > until) throw new AssertionError("work not published up to " + last);
            Thread.sleep(50);
        }
        assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
    }
}
