package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches of nothing but events (most of a real stream) are published as work for the segments
 * whose rules match an Activity only, resolved by the worker under the rules it evaluates with:
 * a person's second recent event, alone in its batch, puts them in probe-events; memberships equal
 * a fresh evaluation throughout. Fails when event-only work evaluates no segment.
 */
class ClusterEventWorkIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.events", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void anEventAloneInItsBatchMovesTheSegmentsThatReadEvents() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        ClusterNode node = f.startNode("e1", parser);
        try {
            ClusterFixture.append(log, parser, new RandomRecords(5, ClusterFixture.NOW, 20, 15, 8), 30);
            append(log, parser, "[{\"type\":\"person\",\"id\":\"PE\",\"email\":\"pe@events.example\"},"
                    + event("PE-1", ClusterFixture.NOW.minus(Duration.ofDays(2))) + "]");
            settle(log);
            Qualified pe = new Qualified("probe-events", UnifiedIds.personByEmail("pe@events.example"));
            assertThat(f.realized()).as("one event: not yet").doesNotContain(pe);

            append(log, parser, "[" + event("PE-2", ClusterFixture.NOW.minus(Duration.ofDays(1))) + "]");
            settle(log);
            assertThat(f.realized()).as("the second event, alone in its batch").contains(pe);
            assertThat(f.realized()).isEqualTo(FreshEvaluation.of(f.replay(parser), f.book, f.clock, 2));
            assertThat(f.feedViolations()).isEmpty();
        } finally {
            node.stop();
        }
    }

    private static String event(String id, java.time.Instant at) {
        return "{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"PE\",\"eventType\":\"v\",\"timestamp\":\"" + at + "\"}";
    }

    private static void append(IngestLog log, RecordParser parser, String json) throws Exception {
        List<JsonNode> batch = new ArrayList<>();
        Jackson.newObjectMapper().readTree(json).forEach(batch::add);
        parser.parse(batch);
        log.append("crm-1", batch, System.currentTimeMillis());
    }

    private static void settle(IngestLog log) throws InterruptedException {
        f.awaitPublished(log.last(), Duration.ofSeconds(60));
        assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
    }
}
