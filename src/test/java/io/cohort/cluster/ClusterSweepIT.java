package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.Sweep;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.dropwizard.jackson.Jackson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How far a cluster's sweep has got, as every node reads it from PostgreSQL: workers add the
 * people they evaluated for a sweep in the transaction that commits them (a fenced commit counts
 * nothing, a person named twice in a poll once), a sweep begun while another runs shows both
 * one's segments, and a finished sweep is no longer shown.
 */
class ClusterSweepIT {
    static final List<String> PEOPLE = List.of(UnifiedIds.personByEmail("ann@corp.com"), UnifiedIds.personByEmail("bob@corp.com"),
            UnifiedIds.personByEmail("cy@corp.com"));

    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.sweep", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void workersCountTheirShareOfASweepInTheCommitThatStoresIt() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        List<JsonNode> records = new ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                [{"type":"person","id":"P1","email":"ann@corp.com"},{"type":"person","id":"P2","email":"bob@corp.com"},
                 {"type":"person","id":"P3","email":"cy@corp.com"},
                 {"type":"event","id":"E1","personId":"P1","eventType":"v","timestamp":"2026-11-24T00:00:00Z"}]""").forEach(records::add);
        graph.apply("crm-1", new RecordParser(new IngestLimits()).parse(records), 1);
        new RuleFence(f.jdbi).apply(f.book.version(), f.clock.millis());
        ClusterSweeps sweeps = new ClusterSweeps(f.jdbi, Jackson.newObjectMapper());
        Set<String> every = f.book.segments().keySet();
        assertThat(sweeps.current(every)).as("no sweep yet").isEmpty();

        long first = sweeps.begin(WorkCause.RULES, f.book.version(), Set.of("probe-events"), 3, f.clock.millis());
        assertThat(sweeps.current(every)).hasValueSatisfying(s -> {
            assertThat(s.cause()).isEqualTo("rules");
            assertThat(s.rulesVersion()).isEqualTo(f.book.version());
            assertThat(s.segments()).containsExactly("probe-events");
            assertThat(s.since()).isEqualTo(f.clock.instant());
            assertThat(s.people()).isEqualTo(3);
            assertThat(s.evaluated()).isZero();
        });

        PartitionClaims claims = new PartitionClaims(f.jdbi, f.topic);
        long epoch0 = claims.claim(0, "w", 1).epoch();
        long lost = claims.claim(1, "w", 1).epoch();
        claims.claim(1, "successor", 2);
        PartitionWorker w = f.worker("w", graph, () -> Long.MAX_VALUE);

        // Ann twice (published again by a relay that took over), Bob once, and an ingest message that is no sweep's.
        List<ConsumerRecord<String, Long>> poll = List.of(work(0, 0, PEOPLE.get(0), first), work(0, 1, PEOPLE.get(1), first),
                work(0, 2, PEOPLE.get(0), first), work(0, 3, PEOPLE.get(2), 0));
        assertThat(w.handle(0, epoch0, poll)).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(sweeps.current(every).orElseThrow().evaluated()).as("Ann and Bob, each once").isEqualTo(2);

        assertThat(w.handle(1, lost, List.of(work(1, 0, PEOPLE.get(2), first)))).isEqualTo(PartitionWorker.Outcome.FENCED);
        assertThat(sweeps.current(every).orElseThrow().evaluated()).as("nothing of a fenced commit").isEqualTo(2);

        // The clock's sweep begins before the rule edit's is done: shown for both one's segments, counted from zero.
        long second = sweeps.begin(WorkCause.CLOCK, f.book.version(), Set.of("probe-won"), 3, f.clock.millis() + 1000);
        assertThat(second).isGreaterThan(first);
        Sweep now = sweeps.current(every).orElseThrow();
        assertThat(now.cause()).isEqualTo("clock");
        assertThat(now.segments()).containsExactly("probe-events", "probe-won");
        assertThat(now.evaluated()).isZero();
        // The rule edit's last message, evaluated late: it counts for no sweep shown.
        assertThat(w.handle(0, epoch0, List.of(work(0, 4, PEOPLE.get(2), first)))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(sweeps.current(every).orElseThrow().evaluated()).isZero();

        assertThat(w.handle(0, epoch0, List.of(work(0, 5, PEOPLE.get(0), second), work(0, 6, PEOPLE.get(1), second))))
                .isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(sweeps.current(every).orElseThrow().evaluated()).isEqualTo(2);
        long epoch1 = claims.claim(1, "w", 3).epoch();
        assertThat(w.handle(1, epoch1, List.of(work(1, 1, PEOPLE.get(2), second)))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(sweeps.current(every)).as("all three evaluated: done, shown no more").isEmpty();

        // A sweep of every segment lists the segments of the rules in use.
        sweeps.begin(WorkCause.REEVALUATE, f.book.version(), Set.of(), 3, f.clock.millis());
        assertThat(sweeps.current(every).orElseThrow().segments()).containsExactlyElementsOf(new java.util.TreeSet<>(every));
    }

    private static ConsumerRecord<String, Long> work(int partition, long offset, String person, long sweep) {
        ConsumerRecord<String, Long> r = new ConsumerRecord<>(f.topic, partition, offset, person, 1L);
        if (sweep > 0) {
            r.headers().add(WorkMessage.SEGMENTS_HEADER, "probe-events\nprobe-won".getBytes(StandardCharsets.UTF_8));
            r.headers().add(ClusterSweeps.HEADER, ClusterSweeps.header(sweep));
        }
        return r;
    }
}
