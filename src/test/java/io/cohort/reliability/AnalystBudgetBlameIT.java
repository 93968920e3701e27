package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.it.CohortApp;
import io.dropwizard.testing.ConfigOverride;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an analyst sees when a preview or an explanation spends a budget: the rule of the segment
 * that spends it on its own, by name and file, never another file's plain join rule that happened
 * to be running; or, when the segments spend it only together, that answer and each segment's own
 * result. The live engine's side is {@link BudgetBlameIT}, whose world this reuses.
 */
class AnalystBudgetBlameIT {
    static final String HEADER = BudgetBlameIT.HEADER;

    static final String STAFF_HELPER = BudgetBlameIT.STAFF_HELPER;
    static final String STAFFED = BudgetBlameIT.STAFFED;

    @TempDir Path dir;
    final BudgetBlameIT world = new BudgetBlameIT();

    @AfterEach void stop() { world.stop(); }

    CohortApp start(String[] files, ConfigOverride... more) throws Exception {
        world.dir = dir;
        world.start(files, more);
        return world.app;
    }

    static JsonNode segment(JsonNode preview, String id) {
        for (JsonNode s : preview.get("segments")) if (s.get("id").asText().equals(id)) return s;
        throw new AssertionError("no segment " + id + " in " + preview);
    }

    /**
     * The draft adds the shouted-titles rule (a costly pattern that joins nothing) to derived.drl,
     * which also derives Staff for the plain join rule of staff.drl: the preview evaluates both
     * segments together (a draft previews the segments it declares and those reading what it
     * derives) and the 64 MiB are noticed in whichever rule checks next. The costly rule
     * and its file are named, the join rule is not; the staffed segment's count is complete, and the
     * stopped one says it is not (its count 0 read as "nobody qualifies").
     */
    @Test
    void aPreviewNamesTheRuleWhoseSegmentSpendsTheBudgetAloneAndMarksItsCountIncomplete() throws Exception {
        CohortApp app = start(new String[] {"staff.drl", STAFFED, "derived.drl", HEADER + STAFF_HELPER},
                ConfigOverride.config("engine.maxEvaluationMemory", "64MiB"));
        world.hire(0, 300, "Head of Manufacturing ".repeat(180));
        assertThat(world.emails("staffed")).hasSize(300);

        String draft = BudgetBlameIT.shoutedTitles() + STAFF_HELPER;
        var r = app.post("/v1/rules/preview?file=derived.drl", "text/plain", draft);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode p = r.json();
        assertThat(p.get("runtimeIssues")).as(p.toString()).singleElement().satisfies(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("memory-limit");
            assertThat(i.get("rule").asText()).isEqualTo("shouted titles");
            assertThat(i.get("file").asText()).isEqualTo("derived.drl");
            assertThat(i.get("message").asText()).contains("64 MiB", "with segment 'shouted-titles' evaluated on its own",
                    "left out of this evaluation").doesNotContain("until the rules are reloaded");
        });
        assertThat(segment(p, "staffed").get("count").asInt()).isEqualTo(300);
        assertThat(segment(p, "staffed").get("complete").asBoolean()).isTrue();
        assertThat(segment(p, "shouted-titles").get("complete").asBoolean()).as(p.toString()).isFalse();
    }

    /**
     * The derived-facts budget with a segment spanning files, in a preview: the draft of derived.drl
     * makes its helper derive ten TitleWord facts per person for wordy.drl (one before), beside the
     * Staff it derives for staff.drl's join. The helper is named under derived.drl; staffed is whole.
     */
    @Test
    void aPreviewNamesAHelperInAnotherFileThatDerivesTooManyFacts() throws Exception {
        CohortApp app = start(new String[] {"staff.drl", STAFFED, "derived.drl", BudgetBlameIT.words(1), "wordy.drl", BudgetBlameIT.WORDY},
                ConfigOverride.config("engine.maxDerivedPerFact", "2"));
        world.hire(0, 300, "Engineer");
        assertThat(world.issues()).isEmpty();

        var r = app.post("/v1/rules/preview?file=derived.drl", "text/plain", BudgetBlameIT.words(10));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode p = r.json();
        assertThat(p.get("runtimeIssues")).as(p.toString()).singleElement().satisfies(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("derived-limit");
            assertThat(i.get("rule").asText()).isEqualTo("title words");
            assertThat(i.get("file").asText()).isEqualTo("derived.drl");
            assertThat(i.get("message").asText()).contains("with segment 'wordy' evaluated on its own");
        });
        assertThat(segment(p, "staffed").get("count").asInt()).isEqualTo(300);
        assertThat(segment(p, "staffed").get("complete").asBoolean()).isTrue();
        assertThat(segment(p, "wordy").get("complete").asBoolean()).isFalse();
    }

    /**
     * Two segments of a draft that each fire 300 times for 300 people: 600 together, over the
     * engine's 450, which a preview now keeps to as the engine does; neither alone. The answer says
     * so, suspends nothing, and both counts are whole.
     */
    @Test
    void aPreviewOfSegmentsThatSpendABudgetOnlyTogetherGivesEachSegmentsOwnResult() throws Exception {
        CohortApp app = start(new String[] {"accounts.drl", BudgetBlameIT.BIG_ACCOUNTS},
                ConfigOverride.config("engine.maxFiringsPerRound", "450"));
        world.hire(0, 300, "Engineer");
        String draft = HEADER + titled("titled") + titled("titled-too");
        var r = app.post("/v1/rules/preview?file=titled.drl", "text/plain", draft);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode p = r.json();
        assertThat(p.get("runtimeIssues")).as(p.toString()).isNotEmpty().allSatisfy(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("firing-limit");
            assertThat(i.get("file").asText()).isEqualTo("titled.drl");
            assertThat(i.get("message").asText()).contains("segments titled, titled-too evaluated together", "450 firings",
                    "none of them on its own", "no rule is suspended");
        });
        for (String s : List.of("titled", "titled-too")) {
            assertThat(segment(p, s).get("count").asInt()).as(p.toString()).isEqualTo(300);
            assertThat(segment(p, s).get("complete").asBoolean()).isTrue();
        }
    }

    static String titled(String segment) {
        return "rule \"" + segment + "\" @segment(\"" + segment + "\")\nwhen\n    $p : Person(title != null)\n"
                + "    AccountPerson(personId == $p.id)\nthen\n    insertLogical(new Qualified(\"" + segment + "\", $p.id()));\nend\n";
    }

    /** A rule firing once per account the person is related to ({@code title} picks the people it is for). */
    static String perAccount(String segment, String title, boolean pairs) {
        return "rule \"" + segment + "\" @segment(\"" + segment + "\")\nwhen\n    $p : Person(title == \"" + title + "\")\n"
                + "    AccountPerson(personId == $p.id, $a : accountId)\n"
                + (pairs ? "    AccountPerson(personId == $p.id, accountId != $a)\n" : "")
                + "then\n    insertLogical(new Qualified(\"" + segment + "\", $p.id()));\nend\n";
    }

    /** Person {@code id} titled {@code title}, at Acme and at {@code accounts} small accounts. */
    void hub(String id, String title, int accounts) throws Exception {
        StringBuilder b = new StringBuilder("{\"records\":[{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\"" + id
                + "@acme.com\",\"title\":\"" + title + "\"},{\"type\":\"accountPerson\",\"accountId\":\"A1\",\"personId\":\"" + id + "\"}");
        for (int i = 0; i < accounts; i++) {
            String a = id + "-S" + i;
            b.append(",{\"type\":\"account\",\"id\":\"").append(a).append("\",\"name\":\"").append(a).append("\",\"domain\":\"")
                    .append(a.toLowerCase()).append(".com\",\"employees\":10},{\"type\":\"accountPerson\",\"accountId\":\"").append(a)
                    .append("\",\"personId\":\"").append(id).append("\"}");
        }
        var r = world.app.post("/v1/sources/crm-1/records", "application/json", b + "]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        world.app.settle();
    }

    /**
     * An explanation evaluates the person with every segment to list the others they are in. With
     * 450 firings: for a person at 30 accounts, "account-pairs" fires 870 times on its own (its
     * rule, in pairs.drl, is named, and its segment undecided); for one at 280, "linked" and
     * "linked-too" fire 281 times each, over the budget only together (both listed). Before, the
     * other segments were null with no reason given.
     */
    @Test
    void anExplanationNamesTheRuleThatSpendsTheBudgetAloneOrListsTheSegmentsThatSpendItTogether() throws Exception {
        CohortApp app = start(new String[] {"accounts.drl", BudgetBlameIT.BIG_ACCOUNTS,
                        "pairs.drl", HEADER + perAccount("account-pairs", "Partner", true),
                        "linked.drl", HEADER + perAccount("linked", "Broker", false) + perAccount("linked-too", "Broker", false)},
                ConfigOverride.config("engine.maxFiringsPerRound", "450"));
        hub("pa", "Partner", 30);
        hub("br", "Broker", 280);

        JsonNode pa = app.get("/v1/segments/big-accounts/explain?person=pa@acme.com").json();
        assertThat(pa.get("qualified").asBoolean()).as(pa.toString()).isTrue();
        assertThat(pa.get("undecidedOtherSegments")).as(pa.toString()).extracting(JsonNode::asText).containsExactly("account-pairs");
        assertThat(pa.get("otherSegments")).as(pa.toString()).isEmpty();
        assertThat(pa.get("runtimeIssues")).as(pa.toString()).singleElement().satisfies(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("firing-limit");
            assertThat(i.get("rule").asText()).isEqualTo("account-pairs");
            assertThat(i.get("file").asText()).isEqualTo("pairs.drl");
            assertThat(i.get("message").asText()).contains("with segment 'account-pairs' evaluated on its own");
        });

        JsonNode br = app.get("/v1/segments/big-accounts/explain?person=br@acme.com").json();
        assertThat(br.get("qualified").asBoolean()).as(br.toString()).isTrue();
        assertThat(br.get("otherSegments")).as(br.toString()).extracting(JsonNode::asText).containsExactly("linked", "linked-too");
        assertThat(br.get("undecidedOtherSegments")).as(br.toString()).isEmpty();
        List<String> rules = new ArrayList<>();
        br.get("runtimeIssues").forEach(i -> rules.add(i.get("rule").asText()));
        assertThat(rules).as(br.toString()).isNotEmpty().doesNotContain("people at big accounts");
        assertThat(br.get("runtimeIssues").get(0).get("message").asText()).contains("evaluated together", "none of them on its own");
    }
}
