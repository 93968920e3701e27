package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Time in cluster mode: two {@link ClusterNode}s in this JVM share a manual clock. Moving it on 5
 * days, people whose events left a window (probe-events: two events in 30 days) are published as
 * work by the process holding the clock lease, and memberships equal a fresh evaluation at the new
 * time; then that process stops, the clock moves 10 more days (past engine.clockSweep), and the
 * other process takes the lease over, catching up the windows that closed meanwhile and sweeping
 * the segments that read the time otherwise.
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
            for (String name : List.of("c1", "c2")) {
                ClusterConfig config = f.config(name).leaseDuration(io.dropwizard.util.Duration.seconds(2))
                        .sessionTimeout(io.dropwizard.util.Duration.seconds(3));
                ClusterNode n = new ClusterNode(config, f.jdbi, Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book,
                        f.clock, ClusterFixture.RETENTION, Budget.DEFAULT, Duration.ofMillis(200), Duration.ofDays(10), b -> {});
                n.start();
                nodes.put(name, n);
            }
            for (int i = 0; i < 160; i++) {
                RandomRecords.Batch b = gen.next();
                List<JsonNode> records = new ArrayList<>(b.records());
                parser.parse(records);
                log.append(b.source(), records, System.currentTimeMillis());
            }
            // One person whose older event leaves the 30-day window in three days.
            String records = ("[{\"type\":\"person\",\"id\":\"PX\",\"email\":\"clock@corp.com\"},"
                    + "{\"type\":\"event\",\"id\":\"EX1\",\"personId\":\"PX\",\"eventType\":\"v\",\"timestamp\":\"%s\"},"
                    + "{\"type\":\"event\",\"id\":\"EX2\",\"personId\":\"PX\",\"eventType\":\"v\",\"timestamp\":\"%s\"}]")
                    .formatted(ClusterFixture.NOW.minus(Duration.ofDays(27)), ClusterFixture.NOW.minus(Duration.ofDays(1)));
            List<JsonNode> px = new ArrayList<>();
            Jackson.newObjectMapper().readTree(records).forEach(px::add);
            parser.parse(px);
            log.append("crm-1", px, System.currentTimeMillis());
            Qualified clockPerson = new Qualified("probe-events", io.cohort.identity.UnifiedIds.personByEmail("clock@corp.com"));
            awaitSettled(log.last());
            ProfileGraph graph = new ProfileGraph();
            new GraphFeed(log, graph, parser, () -> f.book.shape().depth(), 10, 50).catchUp();
            Set<Qualified> atStart = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).isEqualTo(atStart).contains(clockPerson);

            // Five days on: less than the sweep, so only closing windows move anyone.
            f.clock.advance(Duration.ofDays(5));
            awaitTicked(f.clock.millis());
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> later = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(later).as("an event left probe-events' 30-day window").doesNotContain(clockPerson);
            assertThat(f.realized()).doesNotContain(clockPerson);
            Set<String> clocked = f.book.shape().segments().values().stream().filter(s -> s.clockDependent()).map(s -> s.id())
                    .collect(Collectors.toSet());
            assertThat(withoutClocked(f.realized(), clocked)).as("memberships = a fresh evaluation 5 days later (windowed segments)")
                    .isEqualTo(withoutClocked(later, clocked));
            assertThat(f.feedViolations()).isEmpty();

            // The holder stops; ten more days pass before the other process takes the clock over.
            String holder = f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = 'clock'")
                    .mapTo(String.class).one());
            nodes.remove(holder).stop();
            f.clock.advance(Duration.ofDays(10));
            awaitTicked(f.clock.millis());
            String taker = f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = 'clock'")
                    .mapTo(String.class).one());
            assertThat(taker).as("the other process holds the clock").isNotEqualTo(holder);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> last = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).as("memberships = a fresh evaluation 15 days later, every segment").isEqualTo(last);
            assertThat(f.feedViolations()).isEmpty();
            System.out.printf("cluster clock: %d members at start, %d after 5 days, %d after 15 days; %d changes; segments reading "
                    + "the time otherwise (swept): %s%n", atStart.size(), later.size(), last.size(), f.changeCount(), clocked);
        } finally {
            for (ClusterNode n : nodes.values()) n.stop();
        }
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
