package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.FullEvaluation;
import io.cohort.engine.RuleBook;
import io.cohort.identity.FactTypes;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few segments evaluated on their own (a rule edit, a closing time window) get a neighbourhood
 * only as deep as their rules look, with only the kinds of fact their rules match; the whole rule
 * set gets the deepest, with everything. Both must give every segment the same members, over graphs
 * whose companies are chained by cross-company relations.
 */
class SegmentDepthTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    @TempDir static Path rules;
    static RuleBook book;

    @BeforeAll static void compileRules() throws Exception {
        // Two step-2 segments beside the shipped rules and the probes: through an account's people
        // only, and through a deal's contact roles only (each leaves the other relations unwalked).
        java.nio.file.Files.writeString(rules.resolve("colleagues.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                rule "probe: a colleague who is person 0 of the company"
                    @segment("probe-colleague")
                when
                    $p : Person()
                    AccountPerson(personId == $p.id, $a : accountId)
                    AccountPerson(accountId == $a, $q : personId, personId != $p.id)
                    Person(id == $q, email != null, email.startsWith("p0@"))
                then
                    insertLogical(new Qualified("probe-colleague", $p.id()));
                end
                """);
        // A fellow contact's activity, through a deal (and a colleague named Ann, through an account).
        java.nio.file.Files.copy(Path.of("src/test/resources/reliability/rules-depth2/step-two.drl"), rules.resolve("step-two.drl"));
        book = FreshEvaluation.shippedWithProbes(rules, NOW);
    }

    @Test
    void eachSegmentAloneHasTheMembersItHasWithEveryOther() throws Exception {
        int depth = book.shape().depth();
        Map<String, Integer> levels = new TreeMap<>();
        book.shape().segments().forEach((id, s) -> levels.put(id, s.level()));
        // Otherwise nothing here is evaluated with a smaller neighbourhood and the test proves nothing.
        assertThat(levels.values()).as("segment levels, rule set depth %d", depth).anyMatch(l -> l < depth);
        // Likewise for the kinds of fact: segments that read no events, no accounts or no deals.
        Map<String, FactTypes> types = new TreeMap<>();
        book.segments().keySet().forEach(s -> types.put(s, FactTypes.readBy(book.shape().reads(Set.of(s)).orElseThrow())));
        assertThat(types.values()).as("fact types per segment").anyMatch(t -> !t.all());
        assertThat(types.get("enterprise-automotive")).hasToString("FactTypes[activity=false, accounts=true, "
                + "opportunities=false, accountPeople=true, opportunityPeople=false, campaignMembers=false, campaigns=false, "
                + "listMembers=false, lists=false]");
        assertThat(levels).as("the step-2 probes").containsEntry("probe-colleague", 2).containsEntry("probe-fellow-contact", 2);
        int compared = 0;
        for (long seed = 1; seed <= 12; seed++) {
            ProfileGraph graph = graph(seed);
            FullEvaluation.Outcome all = FullEvaluation.run(graph, book, NOW, Duration.ofDays(90));
            for (String segment : book.segments().keySet()) {
                FullEvaluation.Outcome alone = FullEvaluation.run(graph, book, Set.of(segment), NOW, Duration.ofDays(90),
                        io.cohort.engine.Budget.DEFAULT, null, () -> false);
                assertThat(alone.members(segment)).as("seed %d, %s (level %d) alone vs with every segment", seed, segment,
                        levels.get(segment)).isEqualTo(all.members(segment));
                compared += all.members(segment).size();
            }
        }
        assertThat(compared).as("memberships compared").isGreaterThan(200);
    }

    private static ProfileGraph graph(long seed) {
        Random rnd = new Random(seed);
        CompanyWorld world = new CompanyWorld(seed, NOW, 8 + rnd.nextInt(12), 0.1 + rnd.nextDouble() * 0.3);
        List<RandomRecords.Batch> batches = new ArrayList<>(world.arrival(rnd.nextBoolean()));
        batches.addAll(world.mutations(20));
        RecordParser parser = new RecordParser(new IngestLimits());
        ProfileGraph graph = new ProfileGraph();
        long seq = 0;
        for (RandomRecords.Batch b : batches) graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), ++seq);
        return graph;
    }
}
