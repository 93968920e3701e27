package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream of batches that change no membership (page views of members, records sent again)
 * makes a round each, and every round used to write the evaluated watermark: a database commit,
 * a file write with H2's WRITE_DELAY=0, dozens a second. Now a round writes it only with a change
 * or once a second; a stream that stops still gets its watermark written within about a second,
 * so that a restart does not evaluate again what was evaluated.
 */
class WatermarkWritesTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final int BATCHES = 40;

    @TempDir Path rules;

    @Test
    void roundsWithoutChangesWriteTheWatermarkAtMostOnceASecond() throws Exception {
        CohortApp.copyRules(Path.of("rules"), rules);
        ManualClock clock = new ManualClock(NOW);
        RuleBook book = FreshEvaluation.compile(rules, clock);
        RecordParser parser = new RecordParser(new IngestLimits());
        ProfileGraph graph = new ProfileGraph();
        MemorySink sink = new MemorySink();
        Evaluator ev = new Evaluator(graph, sink, clock, engine());
        try {
            ev.start(book, 0);
            ev.submit(graph.apply(RandomRecords.CRM, parser.parse(json("""
                    [{"type":"account","id":"A1","name":"Townsend","industry":"Automotive","employees":5000},
                     {"type":"person","id":"P1","email":"ann@townsend.com"},
                     {"type":"accountPerson","accountId":"A1","personId":"P1","role":"Buyer"}]""")), 1), 1);
            ev.awaitIdle(Duration.ofSeconds(30));
            Qualified ann = new Qualified("enterprise-automotive", UnifiedIds.personByEmail("ann@townsend.com"));
            assertThat(sink.members()).contains(ann);

            long writesBefore = sink.stateWrites();
            long roundsBefore = sink.rounds();
            long started = System.nanoTime();
            for (int b = 2; b < 2 + BATCHES; b++) {
                String view = "[{\"type\":\"event\",\"id\":\"E" + b + "\",\"personId\":\"P1\",\"eventType\":\"web.webpagedetails.pageViews\","
                        + "\"timestamp\":\"2026-11-24T10:00:00Z\",\"attributes\":{\"url\":\"https://townsend.com/docs\"}}]";
                ev.submit(graph.apply(RandomRecords.CRM, parser.parse(json(view)), b), b);
                ev.awaitIdle(Duration.ofSeconds(30)); // one round per batch, as a slow stream makes
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long rounds = sink.rounds() - roundsBefore;
            long writes = sink.stateWrites() - writesBefore;
            assertThat(rounds).as("a round per batch (the member handed over)").isGreaterThanOrEqualTo(BATCHES);
            assertThat(sink.members()).contains(ann);
            assertThat(writes).as("watermark writes for %d rounds in %.1f s", rounds, seconds).isLessThanOrEqualTo((long) seconds + 2);

            // The stream stopped: the last batch's watermark is written without another batch.
            long last = 1 + BATCHES;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (sink.state().evaluatedUpTo() < last && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(sink.state().evaluatedUpTo()).as("watermark after the stream stopped").isEqualTo(last);
            assertThat(sink.contractViolations()).isEmpty();
        } finally {
            ev.stop();
        }
    }

    private static List<JsonNode> json(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        RandomRecords.JSON.readTree(text).forEach(out::add);
        return out;
    }

    private static io.cohort.engine.EngineConfig engine() {
        return io.dropwizard.jackson.Jackson.newObjectMapper().convertValue(java.util.Map.of("workers", 2, "manualClock", true,
                "consistencyCheck", "0s"), io.cohort.engine.EngineConfig.class);
    }
}
