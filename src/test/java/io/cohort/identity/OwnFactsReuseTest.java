package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Account;
import io.cohort.model.AccountPerson;
import io.cohort.model.Activity;
import io.cohort.model.CampaignMember;
import io.cohort.model.Fact;
import io.cohort.model.Opportunity;
import io.cohort.model.OpportunityPerson;
import io.cohort.model.Person;
import io.cohort.reliability.RandomRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A sweep builds everyone's own facts for its filter, then the whole neighbourhood of those who
 * pass taking their own facts from the first build. Property: what the rules are given is exactly
 * what a fresh build gives (the same facts in the same order, the same identities), on random
 * graphs, whatever kinds the two builds read, also when the graph changed between the builds or
 * the second build's window of events differs (then nothing may be taken).
 */
class OwnFactsReuseTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    private final RecordParser parser = new RecordParser(new IngestLimits());

    private static final List<FactTypes> FIRST = List.of(FactTypes.readBy(List.of(Person.class)),
            FactTypes.readBy(List.of(Person.class, Activity.class)), FactTypes.readBy(List.of(Person.class, CampaignMember.class)));
    private static final List<FactTypes> WHOLE = List.of(FactTypes.ALL,
            FactTypes.readBy(List.of(Person.class, Activity.class, AccountPerson.class, Account.class)),
            FactTypes.readBy(List.of(Person.class, OpportunityPerson.class, Opportunity.class)));

    @Test
    void theWholeBuildTakingOwnFactsEqualsAFreshOne() throws Exception {
        int changedBetween = 0, windowMattered = 0;
        for (long seed = 1; seed <= 40; seed++) {
            Random rnd = new Random(seed);
            RandomRecords gen = new RandomRecords(seed, NOW, 8 + rnd.nextInt(10), 5, 3 + rnd.nextInt(4), seed % 3 == 0);
            ProfileGraph graph = new ProfileGraph(seed % 4 == 0 ? 2 : ProfileGraph.DEFAULT_STEP_TWO_LIMIT);
            for (int step = 1; step <= 40; step++) apply(graph, gen, step);
            List<String> everyone = graph.personIds();
            Instant since = NOW.minus(Duration.ofDays(30));
            for (FactTypes first : FIRST) {
                Neighbourhood own = graph.ownFacts(everyone, since, first);
                assertThat(content(own.facts())).as("seed %d: the first build is a depth-0 build", seed)
                        .isEqualTo(content(graph.neighbourhood(everyone, 0, since, first).facts()));
                List<String> passers = new ArrayList<>();
                for (String p : everyone) if (rnd.nextBoolean()) passers.add(p);
                for (FactTypes whole : WHOLE) {
                    for (int depth = 0; depth <= 2; depth++) {
                        same(graph, passers, depth, since, whole, own, "seed " + seed + ", " + first + " then " + whole + ", depth " + depth);
                    }
                }
                // Another window of events: the Activity built for the first one is not the rules' now.
                Instant later = NOW.minus(Duration.ofDays(3));
                if (!content(graph.ownFacts(everyone, later, first).facts()).equals(content(own.facts()))) windowMattered++;
                same(graph, passers, 2, later, FactTypes.ALL, own, "seed " + seed + ", another window");
            }
            // The graph changed between the two builds (ingest beside a sweep): nothing may be taken.
            Neighbourhood own = graph.ownFacts(everyone, since, FIRST.get(1));
            for (int step = 41; step <= 43; step++) apply(graph, gen, step);
            if (!content(graph.ownFacts(everyone, since, FIRST.get(1)).facts()).equals(content(own.facts()))) changedBetween++;
            same(graph, everyone, 2, since, FactTypes.ALL, own, "seed " + seed + ", changed between the builds");
        }
        // Otherwise the two cases above would prove nothing.
        assertThat(changedBetween).as("seeds whose change between the builds changed someone's own facts").isGreaterThan(5);
        assertThat(windowMattered).as("builds whose other window changed an Activity").isGreaterThan(5);
    }

    private static void same(ProfileGraph graph, List<String> subjects, int depth, Instant since, FactTypes types, Neighbourhood own,
                             String what) {
        Neighbourhood taken = graph.neighbourhood(subjects, depth, since, types, own);
        Neighbourhood fresh = graph.neighbourhood(subjects, depth, since, types);
        assertThat(taken.subjects()).as(what).containsExactlyElementsOf(fresh.subjects());
        assertThat(content(taken.facts())).as(what).containsExactlyElementsOf(content(fresh.facts()));
        for (String s : fresh.subjects()) assertThat(taken.identitiesOf(s)).as(what + ": identities of " + s).isEqualTo(fresh.identitiesOf(s));
    }

    /**
     * The facts as the rules read them: an Activity by its events (two fresh builds cut a person's
     * events to the window into new series, and Activity equals by series identity).
     */
    private static List<Object> content(List<Fact> facts) {
        List<Object> out = new ArrayList<>();
        for (Fact f : facts) out.add(f instanceof Activity a ? List.of("Activity", a.getPersonId(), a.getEvents()) : f);
        return out;
    }

    private void apply(ProfileGraph graph, RandomRecords gen, long seq) {
        RandomRecords.Batch b = gen.next();
        graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), seq);
    }
}
