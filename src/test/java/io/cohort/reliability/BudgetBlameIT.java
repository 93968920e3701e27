package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.EngineStats;
import io.cohort.it.CohortApp;
import io.dropwizard.testing.ConfigOverride;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A budget spent by several segments evaluated together must not suspend an innocent analyst's
 * rule. The budget is noticed at a join's check ({@code Deadline.ok}) or between firings, and the
 * failure named the rule running then, or the one that had fired most: a costly pattern that joins
 * nothing (no check) in one file got another file's plain rule suspended, its segment frozen.
 */
class BudgetBlameIT {
    static final String HEADER = "package cohort.segments;\nimport io.cohort.model.*;\n";

    /** The innocent segment: a plain join, a member per person at a big account. */
    static final String BIG_ACCOUNTS = HEADER + """
            rule "people at big accounts" @segment("big-accounts")
            when
                $p : Person()
                AccountPerson(personId == $p.id, $a : accountId)
                Account(id == $a, employees >= 1000)
            then
                insertLogical(new Qualified("big-accounts", $p.id()));
            end
            """;

    /** Staff, derived in derived.drl and read by the plain join of staff.drl: a segment whose rules span two files. */
    static final String STAFF_HELPER = """
            declare Staff
                personId : String @key
            end
            rule "staff: people at an account"
            when
                $p : Person()
                AccountPerson(personId == $p.id)
            then
                insertLogical(new Staff($p.id()));
            end
            """;
    /** The innocent segment of two files: its helper derives a fact per person, its rule a member per person. */
    static final String STAFFED = HEADER + """
            rule "people on staff at big accounts" @segment("staffed")
            when
                $p : Person()
                Staff(personId == $p.id)
                AccountPerson(personId == $p.id, $a : accountId)
                Account(id == $a, employees >= 1000)
            then
                insertLogical(new Qualified("staffed", $p.id()));
            end
            """;
    /**
     * The segment "wordy" reads TitleWord, derived in derived.drl ({@link #words}).
     */
    static final String WORDY = HEADER + """
            rule "wordy people" @segment("wordy")
            when
                $p : Person()
                TitleWord(personId == $p.id, n == 0)
            then
                insertLogical(new Qualified("wordy", $p.id()));
            end
            """;

    /** derived.drl: Staff, and {@code perPerson} TitleWord facts derived for each titled person by one firing. */
    static String words(int perPerson) {
        StringBuilder then = new StringBuilder();
        for (int i = 0; i < perPerson; i++) then.append("    insertLogical(new TitleWord($p.id(), ").append(i).append("));\n");
        return HEADER + STAFF_HELPER + "declare TitleWord\n    personId : String @key\n    n : int @key\nend\n"
                + "rule \"title words\"\nwhen\n    $p : Person(title != null)\nthen\n" + then + "end\n";
    }

    @TempDir Path dir;
    CohortApp app;

    @AfterEach void stop() { if (app != null) app.stop(); }

    void start(String[] files, ConfigOverride... more) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        for (int i = 0; i < files.length; i += 2) Files.writeString(dir.resolve("rules").resolve(files[i]), files[i + 1]);
        List<ConfigOverride> overrides = new ArrayList<>(List.of(ConfigOverride.config("engine.watchRules", "false")));
        overrides.addAll(List.of(more));
        app = new CohortApp(dir, overrides.toArray(ConfigOverride[]::new)).start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        app.ingest("crm-1", "{\"type\":\"account\",\"id\":\"A1\",\"name\":\"Acme\",\"domain\":\"acme.com\",\"employees\":5000}");
    }

    /** People x{from}…x{to - 1} at Acme, each titled {@code title}, in one batch. */
    void hire(int from, int to, String title) throws Exception {
        StringBuilder b = new StringBuilder("{\"records\":[");
        for (int i = from; i < to; i++) {
            b.append(i == from ? "" : ",").append("{\"type\":\"person\",\"id\":\"x").append(i).append("\",\"email\":\"x").append(i)
                    .append("@acme.com\",\"title\":\"").append(title).append("\"},{\"type\":\"accountPerson\",\"accountId\":\"A1\",")
                    .append("\"personId\":\"x").append(i).append("\"}");
        }
        var r = app.post("/v1/sources/crm-1/records", "application/json", b + "]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
    }

    Set<String> emails(String segment) {
        Set<String> out = new TreeSet<>();
        app.get("/v1/segments/" + segment + "/members?limit=1000").json().get("members").forEach(m -> out.add(m.get("email").asText()));
        return out;
    }

    JsonNode issues() { return app.get("/v1/rules").json().get("runtimeIssues"); }

    /**
     * Every title's case changed 240 times in the Person pattern: ~1 MB allocated per person of a
     * 4 KB title, no join, so no check while it allocates. The rule fires for everyone.
     */
    static String shoutedTitles() {
        StringBuilder when = new StringBuilder("    $p : Person(title != null");
        for (int c = 0; c < 3; c++) {
            when.append(",\n        title");
            for (int i = 0; i < 40; i++) when.append(".toLowerCase().toUpperCase()");
            when.append(".length() > ").append(c - 1);
        }
        return HEADER + "rule \"shouted titles\" @segment(\"shouted-titles\")\nwhen\n" + when
                + ")\n    AccountPerson(personId == $p.id)\nthen\n    insertLogical(new Qualified(\"shouted-titles\", $p.id()));\nend\n";
    }

    /**
     * 300 people with 4 KB titles: the titles rule allocates ~300 MB without a check; the budget
     * (64 MiB) was noticed at the 256th firing, the big-accounts rule's, which had fired most, and
     * that rule was suspended: its segment kept 43 of 300 members and stopped changing. Evaluated
     * apart, the titles rule spends the budget on its own and is the one suspended.
     */
    @Test
    void aBudgetSpentByOneSegmentsUncheckedPatternSuspendsThatRuleNotTheOneNoticedNext() throws Exception {
        start(new String[] {"accounts.drl", BIG_ACCOUNTS, "titles.drl", shoutedTitles()},
                ConfigOverride.config("engine.maxEvaluationMemory", "64MiB"));
        hire(0, 300, "Head of Manufacturing ".repeat(180));

        JsonNode issues = issues();
        assertThat(issues).as(issues.toString()).noneSatisfy(i -> assertThat(i.get("rule").asText()).isEqualTo("people at big accounts"));
        assertThat(issues).as(issues.toString()).singleElement().satisfies(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("memory-limit");
            assertThat(i.get("rule").asText()).isEqualTo("shouted titles");
            assertThat(i.get("file").asText()).isEqualTo("titles.drl");
            assertThat(i.get("message").asText()).contains("64 MiB", "segment 'shouted-titles' evaluated on its own", "suspended");
        });
        assertThat(emails("big-accounts")).hasSize(300).contains("x0@acme.com", "x299@acme.com");

        // The innocent segment keeps following the data; the culprit's is held.
        Set<String> shouted = emails("shouted-titles");
        app.ingest("crm-1", "{\"type\":\"person\",\"id\":\"late\",\"email\":\"late@acme.com\",\"title\":\"CTO\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A1\",\"personId\":\"late\"}");
        assertThat(emails("big-accounts")).hasSize(301).contains("late@acme.com");
        assertThat(emails("shouted-titles")).isEqualTo(shouted);
    }

    /**
     * Two plain segments that each take 60% of the firing budget (a person each, 450 firings for
     * a chunk): together they spend it, alone neither does. Nothing is suspended, both are right,
     * and from then on one is evaluated apart: the next batch is not run together to the limit
     * and then again apart (its firings are each segment's one per person, nothing more).
     */
    @Test
    void segmentsThatSpendABudgetOnlyTogetherAreRightAndEvaluatedApartFromThenOn() throws Exception {
        String titled = HEADER + """
                rule "people with a title" @segment("titled")
                when
                    $p : Person(title != null)
                    AccountPerson(personId == $p.id)
                then
                    insertLogical(new Qualified("titled", $p.id()));
                end
                """;
        start(new String[] {"accounts.drl", BIG_ACCOUNTS, "titled.drl", titled},
                ConfigOverride.config("engine.maxFiringsPerRound", "450"));
        hire(0, 300, "Engineer");

        JsonNode issues = issues();
        assertThat(issues).as(issues.toString()).noneSatisfy(i -> assertThat(i.get("message").asText()).contains("The rule is suspended"));
        assertThat(issues).as(issues.toString()).singleElement().satisfies(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("firing-limit");
            assertThat(i.get("rule").asText()).isIn("people with a title", "people at big accounts");
            // The rule's own file, which the console's segment page lists issues by.
            assertThat(i.get("file").asText()).isEqualTo(i.get("rule").asText().equals("people with a title") ? "titled.drl" : "accounts.drl");
            assertThat(i.get("message").asText()).contains("segments big-accounts, titled", "450 firings", "no rule is suspended",
                    "evaluated apart");
        });
        assertThat(emails("big-accounts")).hasSize(300);
        assertThat(emails("titled")).hasSize(300);

        EngineStats stats = app.app().services().evaluator().stats();
        long firings = stats.firings();
        long evaluated = stats.evaluations();
        hire(300, 600, "Engineer");
        assertThat(emails("big-accounts")).hasSize(600);
        assertThat(emails("titled")).hasSize(600);
        // At most a firing per segment for each person evaluated (people are evaluated again as colleagues join);
        // a run stopped at 450 and then redone apart fired more (2,400 here, against 1,200).
        assertThat(stats.firings() - firings).as("firings of the second batch, %d people evaluated", stats.evaluations() - evaluated)
                .isLessThanOrEqualTo(2 * (stats.evaluations() - evaluated));
        assertThat(issues()).hasSize(1);
    }

    /**
     * Derived facts, the helper in another file than the segment's rule: derived.drl derives ten
     * TitleWord facts per person for wordy.drl's rule, and Staff for staff.drl's plain join. Two
     * derived facts are allowed per fact (4 to 6 per person): "wordy" derives 11 per person alone,
     * "staffed" 2. The helper that derives them is suspended, under its own file, not the join rule
     * of staff.drl nor its helper.
     */
    @Test
    void derivedFactsOfAHelperInAnotherFileAreBlamedOnThatHelpersFile() throws Exception {
        start(new String[] {"staff.drl", STAFFED, "derived.drl", words(10), "wordy.drl", WORDY},
                ConfigOverride.config("engine.maxDerivedPerFact", "2"));
        hire(0, 300, "Engineer");

        JsonNode issues = issues();
        assertThat(issues).as(issues.toString()).singleElement().satisfies(i -> {
            assertThat(i.get("kind").asText()).isEqualTo("derived-limit");
            assertThat(i.get("rule").asText()).isEqualTo("title words");
            assertThat(i.get("file").asText()).isEqualTo("derived.drl");
            assertThat(i.get("message").asText()).contains("segment 'wordy' evaluated on its own", "suspended");
        });
        assertThat(emails("staffed")).hasSize(300);
    }
}
