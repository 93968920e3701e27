package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.engine.sandbox.RuleSetShape;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time moves memberships while the service is down, and a restart must catch up without
 * evaluating everyone: people whose events left a window since the stored clock, and people who
 * see a deal whose watched date ({@code createdDate > $now.daysAgo(30)}) crossed its offset.
 */
class ClockCatchUpTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final int FILLER = 300;

    @TempDir static Path rules;
    static RuleBook book;

    @BeforeAll static void compileRules() throws Exception {
        CohortApp.copyRules(Path.of("rules"), rules);
        Files.writeString(rules.resolve("time-probes.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                rule "Deal closing within 90 days of today"
                    @segment("probe-close-window")
                when
                    $now : Now()
                    $p : Person()
                    OpportunityPerson(personId == $p.id, $deal : opportunityId)
                    exists Opportunity(id == $deal, closeDate != null, closeDate.isAfter($now.date().minusDays(90)))
                then
                    insertLogical(new Qualified("probe-close-window", $p.id()));
                end

                rule "Reads the clock in a way no window describes"
                    @segment("probe-clock-other")
                when
                    $now : Now()
                    $p : Person()
                    OpportunityPerson(personId == $p.id, $deal : opportunityId)
                    exists Opportunity(id == $deal, closeDate != null, closeDate.plusDays(10).isAfter($now.date()))
                then
                    insertLogical(new Qualified("probe-clock-other", $p.id()));
                end
                """);
        book = FreshEvaluation.compile(rules, new ManualClock(NOW));
    }

    @Test
    void theSandboxTellsWatchedDatesFromOtherClockReads() {
        RuleSetShape shape = book.shape();
        assertThat(shape.segment("new-business-pipeline").orElseThrow().clockDependent()).isFalse();
        assertThat(shape.segment("new-business-pipeline").orElseThrow().windowed()).isTrue();
        assertThat(shape.segment("probe-close-window").orElseThrow().clockDependent()).isFalse();
        assertThat(shape.segment("probe-clock-other").orElseThrow().clockDependent())
                .as("closeDate.plusDays(10) is not a stored time: only a sweep finds its changes").isTrue();
        assertThat(shape.fieldWindows().get("Opportunity.createdDate")).containsExactly(Duration.ofDays(30).toMillis());
        assertThat(shape.fieldWindows().get("Opportunity.closeDate")).containsExactly(Duration.ofDays(90).toMillis());
    }

    @Test
    void aRestartAfterDowntimeEvaluatesOnlyThePeopleTimeMoved() throws Exception {
        ManualClock clock = new ManualClock(NOW);
        RecordParser parser = new RecordParser(new IngestLimits());
        ProfileGraph graph = new ProfileGraph();
        MemorySink sink = new MemorySink();
        StringBuilder records = new StringBuilder("[");
        for (int i = 0; i < FILLER; i++) {
            records.append("{\"type\":\"person\",\"id\":\"F").append(i).append("\",\"email\":\"f").append(i).append("@filler.com\"},");
        }
        records.append("""
                {"type":"account","id":"A1","name":"Townsend"},
                {"type":"person","id":"buyer","email":"buyer@townsend.com"},
                {"type":"opportunity","id":"O1","accountId":"A1","name":"Fleet","stage":"Prospecting","isClosed":false,
                 "createdDate":"2026-11-05T00:00:00Z","closeDate":"2026-09-01","attributes":{"Type":"New Business"}},
                {"type":"opportunityPerson","opportunityId":"O1","personId":"buyer","role":"Economic Buyer"},
                {"type":"person","id":"reader","email":"reader@townsend.com"}""");
        for (int i = 0; i < 3; i++) {
            records.append(",{\"type\":\"event\",\"id\":\"E").append(i)
                    .append("\",\"personId\":\"reader\",\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"2026-11-15T0")
                    .append(i).append(":00:00Z\"}");
        }
        records.append("]");
        Qualified pipeline = new Qualified("new-business-pipeline", UnifiedIds.personByEmail("buyer@townsend.com"));
        Qualified closing = new Qualified("probe-close-window", UnifiedIds.personByEmail("buyer@townsend.com"));
        Qualified engaged = new Qualified("engaged-prospects", UnifiedIds.personByEmail("reader@townsend.com"));

        Evaluator first = new Evaluator(graph, sink, clock, engine());
        first.start(book, 0);
        List<JsonNode> nodes = new ArrayList<>();
        RandomRecords.JSON.readTree(records.toString()).forEach(nodes::add);
        first.submit(graph.apply(RandomRecords.CRM, parser.parse(nodes), 1), 1);
        first.awaitIdle(Duration.ofSeconds(30));
        first.stop();
        assertThat(sink.members()).contains(pipeline, closing, engaged);

        // Down for 15 days: the deal is 35 days old, the page views 25 days, the close date 100 days past.
        clock.advance(Duration.ofDays(15));
        Evaluator second = new Evaluator(graph, sink, clock, engine());
        try {
            second.start(book, 1);
            assertThat(sink.members()).doesNotContain(pipeline, closing, engaged);
            assertThat(sink.members()).isEqualTo(FreshEvaluation.of(graph, book, clock, 1));
            assertThat(sink.contractViolations()).isEmpty();
            // The sweep for the one segment no window describes is not due yet (engine.clockSweep,
            // 30 days here): only the two people time moved were evaluated.
            assertThat(second.stats().evaluations()).as("people evaluated by the start").isBetween(2L, 10L);
        } finally {
            second.stop();
        }

        // A restart with the clock where it was stopped evaluates nobody.
        Evaluator third = new Evaluator(graph, sink, clock, engine());
        try {
            third.start(book, 1);
            assertThat(third.stats().evaluations()).isZero();
        } finally {
            third.stop();
        }

        // Past the sweep interval, the segment that reads the clock otherwise is evaluated for everyone.
        clock.advance(Duration.ofDays(20));
        Evaluator fourth = new Evaluator(graph, sink, clock, engine());
        try {
            fourth.start(book, 1);
            assertThat(fourth.stats().evaluations()).isGreaterThanOrEqualTo(FILLER);
            assertThat(sink.members()).isEqualTo(FreshEvaluation.of(graph, book, clock, 1));
        } finally {
            fourth.stop();
        }
    }

    /**
     * A rule edit evaluates everyone for the edited segments only: a person whose window edge has
     * passed but whom the clock has not yet reached must stay due for the others (a reload that
     * moved them on to their next edge left them in a window segment they had left).
     */
    @Test
    void aRuleEditLeavesWindowEdgesToTheClock(@TempDir Path edited) throws Exception {
        CohortApp.copyRules(rules, edited);
        Files.writeString(edited.resolve("probe-static.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                rule "Anyone with an email"
                    @segment("probe-static")
                when
                    $p : Person(email != null)
                then
                    insertLogical(new Qualified("probe-static", $p.id()));
                end
                """);
        ManualClock clock = new ManualClock(NOW);
        RuleBook next = FreshEvaluation.compile(edited, clock);
        RecordParser parser = new RecordParser(new IngestLimits());
        ProfileGraph graph = new ProfileGraph();
        MemorySink sink = new MemorySink();
        StringBuilder records = new StringBuilder("""
                [{"type":"person","id":"reader","email":"reader@townsend.com"}""");
        for (int i = 0; i < 3; i++) {
            records.append(",{\"type\":\"event\",\"id\":\"E").append(i)
                    .append("\",\"personId\":\"reader\",\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"2026-11-15T0")
                    .append(i).append(":00:00Z\"}");
        }
        records.append("]");
        Qualified engaged = new Qualified("engaged-prospects", UnifiedIds.personByEmail("reader@townsend.com"));
        Evaluator ev = new Evaluator(graph, sink, clock, engine());
        try {
            ev.start(book, 0);
            List<JsonNode> nodes = new ArrayList<>();
            RandomRecords.JSON.readTree(records.toString()).forEach(nodes::add);
            ev.submit(graph.apply(RandomRecords.CRM, parser.parse(nodes), 1), 1);
            ev.awaitIdle(Duration.ofSeconds(30));
            assertThat(sink.members()).contains(engaged);

            // The page views are 15 days old (the segment counts 14): due, but no tick yet.
            clock.advance(Duration.ofDays(5));
            ev.reload(next).get();
            assertThat(sink.members()).as("the edit evaluated only its segment").contains(engaged);
            ev.tick();
            ev.awaitIdle(Duration.ofSeconds(30));
            assertThat(sink.members()).doesNotContain(engaged);
            assertThat(sink.members()).isEqualTo(FreshEvaluation.of(graph, next, clock, 1));
        } finally {
            ev.stop();
        }
    }

    private static io.cohort.engine.EngineConfig engine() {
        return io.dropwizard.jackson.Jackson.newObjectMapper().convertValue(java.util.Map.of("workers", 2, "manualClock", true,
                "chunkSize", 7, "consistencyCheck", "0s", "clockSweep", "30 days"), io.cohort.engine.EngineConfig.class);
    }
}
