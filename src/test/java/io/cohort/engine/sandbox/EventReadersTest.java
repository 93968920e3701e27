package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.reliability.FreshEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which segments can change when all that changed is a person's events: those with a rule that
 * matches an Activity, in any position (a negation, an accumulate) or through a derived fact. The
 * engine evaluates the people who see only new events for these segments alone.
 */
class EventReadersTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    @TempDir Path dir;

    @Test
    void theShippedSegmentsThatMatchAnActivity() throws Exception {
        RuleBook book = FreshEvaluation.shipped(dir, NOW);
        Map<String, Boolean> reads = new TreeMap<>();
        book.segments().keySet().forEach(s -> reads.put(s, book.shape().segment(s).orElseThrow().readsEvents()));
        assertThat(reads).containsEntry("engaged-prospects", true).containsEntry("high-value-new-product", true)
                .containsEntry("upsell-customers", false).containsEntry("late-stage-deals", false)
                .containsEntry("automotive-emea-1m", false);
        assertThat(reads.values().stream().filter(b -> b).count()).as("only those two of the shipped segments").isEqualTo(2);
    }

    @Test
    void anActivityInANegationOrBehindADerivedFactCounts() throws Exception {
        Files.writeString(dir.resolve("events.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                declare Browsing
                    personId : String @key
                end

                rule "browsing: a page view this week"
                when
                    $now : Now()
                    $p : Person()
                    Activity(personId == $p.id, count("web.webpagedetails.pageViews", $now.daysAgo(7)) >= 1)
                then
                    insertLogical(new Browsing($p.id()));
                end

                rule "quiet: nothing in 30 days"
                    @segment("quiet")
                when
                    $now : Now()
                    $p : Person()
                    not Activity(personId == $p.id, count($now.daysAgo(30)) >= 1)
                then
                    insertLogical(new Qualified("quiet", $p.id()));
                end

                rule "browsers"
                    @segment("browsers")
                when
                    $p : Person()
                    Browsing(personId == $p.id)
                then
                    insertLogical(new Qualified("browsers", $p.id()));
                end

                rule "titled"
                    @segment("titled")
                when
                    $p : Person(title != null)
                then
                    insertLogical(new Qualified("titled", $p.id()));
                end
                """);
        RuleBook book = FreshEvaluation.compile(dir, new ManualClock(NOW));
        assertThat(book.shape().segment("quiet").orElseThrow().readsEvents()).isTrue();
        assertThat(book.shape().segment("browsers").orElseThrow().readsEvents()).as("through the derived Browsing").isTrue();
        assertThat(book.shape().segment("titled").orElseThrow().readsEvents()).isFalse();
    }
}
