package io.cohort.analyst;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner itself: what an analyst sees when a rule, a test file or its data is wrong. */
class RuleTestsTest {
    static final String CEO_RULE = """
            package cohort.segments;
            import io.cohort.model.*;

            rule "Chief executive"
                @segment("ceos")
            when
                $p : Person(title == "CEO")
            then
                insertLogical(new Qualified("ceos", $p.id()));
            end
            """;
    static final String PEOPLE = """
              records:
                crm-1:
                  - {type: person, id: 1, email: A@x.example, title: CTO}
                  - {type: person, id: 2, email: b@x.example, title: CEO}
            """;

    @TempDir Path dir;
    final RuleTests tests = new RuleTests(new RuleCompiler(Clock.systemUTC()), Duration.ofDays(90));

    @Test
    void wrongExpectationShowsExpectedActualAndTheRuleThatMatched() throws Exception {
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE);
        Files.writeString(dir.resolve("ceos.test.yml"), """
                - name: the CTO is no CEO
                  now: 2026-11-25T00:00:00Z
                """ + PEOPLE + """
                  expect:
                    ceos: [a@x.example]
                - name: right
                  now: 2026-11-25T00:00:00Z
                """ + PEOPLE + """
                  expect:
                    ceos: [b@x.example]
                """);
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isFalse();
        assertThat(r.failed()).isEqualTo(1);
        String text = r.render();
        assertThat(text).contains("FAIL ceos.test.yml › the CTO is no CEO",
                "ceos: expected [a@x.example] but was [b@x.example]",
                "missing a@x.example: no rule of the segment matched (its rules: ceos.drl:Chief executive)",
                "unexpected b@x.example: rule \"Chief executive\" (ceos.drl) on P:p-",
                "PASS ceos.test.yml › right", "FAILED: 2 case(s), 1 failed");
    }

    /**
     * A helper deriving 500 facts per person (100 are allowed per fact, a person brings a few) spends the
     * budget with its segment on its own: the case names that rule and its file, says the segment
     * was not decided instead of "missing …: no rule of the segment matched", and still compares
     * the other segment evaluated with it.
     */
    @Test
    void aSegmentABudgetStoppedIsReportedAsNotDecidedNamingTheRule() throws Exception {
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < 500; i++) words.append("    insertLogical(new Word($p.id(), ").append(i).append("));\n");
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE);
        Files.writeString(dir.resolve("a-words.drl"), "package cohort.segments;\nimport io.cohort.model.*;\n"
                + "declare Word\n    personId : String @key\n    n : int @key\nend\n"
                + "rule \"words\"\nwhen\n    $p : Person()\nthen\n" + words + "end\n"
                + "rule \"worded\" @segment(\"worded\")\nwhen\n    $p : Person()\n    Word(personId == $p.id, n == 0)\nthen\n"
                + "    insertLogical(new Qualified(\"worded\", $p.id()));\nend\n");
        Files.writeString(dir.resolve("ceos.test.yml"), """
                - name: both
                  now: 2026-11-25T00:00:00Z
                """ + PEOPLE + """
                  expect:
                    ceos: [b@x.example]
                    worded: [a@x.example, b@x.example]
                """);
        String text = tests.run(dir).render();
        assertThat(text).contains("rule \"words\" (a-words.drl) derived-limit", "with segment 'worded' evaluated on its own",
                "worded: not decided, a budget stopped its rules").doesNotContain("missing", "ceos: expected");
    }

    @Test
    void brokenRuleStopsTheRunWithFileAndLine() throws Exception {
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE.replace("title == \"CEO\"", "titel == \"CEO\""));
        Files.writeString(dir.resolve("ceos.test.yml"), "- {name: x, now: 2026-11-25T00:00:00Z, expect: {ceos: []}}\n");
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isFalse();
        assertThat(r.cases()).isEmpty();
        assertThat(r.render()).contains("ceos.drl:7:", "error:", "no test ran");
    }

    @Test
    void invalidRecordsAndUnknownSegmentsFailTheCaseSayingWhere() throws Exception {
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE);
        Files.writeString(dir.resolve("ceos.test.yml"), """
                - name: bad data
                  now: 2026-11-25T00:00:00Z
                  records:
                    crm-1:
                      - {type: person, id: 1, email: not-an-email}
                  expect:
                    ceos: []
                    ceo: []
                """);
        String text = tests.run(dir).render();
        assertThat(text).contains("FAIL ceos.test.yml › bad data", "records.crm-1[0].email: not an email address",
                "segment 'ceo' is not declared by any rule; declared: ceos");
    }

    /**
     * A rule that reads peopleInReach (the example of rules/README.md) tested with three people:
     * the case sets the step-2 limit, which otherwise needs 501 of them.
     */
    @Test
    void aCaseSetsTheStepTwoLimitItIsEvaluatedWith() throws Exception {
        Files.copy(Path.of("src/test/resources/reliability/rules-limit/too-large.drl"), dir.resolve("too-large.drl"));
        String records = """
                  records:
                    crm-1:
                      - {type: account, id: U, name: Unknown}
                      - {type: person, id: 1, email: a@x.example}
                      - {type: person, id: 2, email: b@x.example}
                      - {type: person, id: 3, email: c@x.example}
                      - {type: accountPerson, accountId: U, personId: 1}
                      - {type: accountPerson, accountId: U, personId: 2}
                      - {type: accountPerson, accountId: U, personId: 3}
                """;
        Files.writeString(dir.resolve("too-large.test.yml"), """
                - name: three people, over a limit of two
                  now: 2026-11-25T00:00:00Z
                  stepTwoLimit: 2
                """ + records + """
                  expect:
                    accounts-too-large-to-judge: [a@x.example, b@x.example, c@x.example]
                - name: the same under the default limit
                  now: 2026-11-25T00:00:00Z
                """ + records + """
                  expect:
                    accounts-too-large-to-judge: []
                """);
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).as(r.render()).isTrue();
        assertThat(r.render()).contains("PASS too-large.test.yml › three people, over a limit of two");

        for (String bad : new String[] {"0", "two", "2.5", "1000001"}) {
            Files.writeString(dir.resolve("too-large.test.yml"), """
                    - name: bad limit
                      now: 2026-11-25T00:00:00Z
                      stepTwoLimit: %s
                    """.formatted(bad) + records + """
                      expect:
                        accounts-too-large-to-judge: []
                    """);
            assertThat(tests.run(dir).fileErrors()).as(bad).singleElement().asString()
                    .contains("too-large.test.yml: case 1 ('bad limit'): 'stepTwoLimit' must be a whole number from 1 to 1000000, got '"
                            + bad + "'");
        }
    }

    @Test
    void unreadableTestFileIsAnErrorNamingCaseAndField() throws Exception {
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE);
        Files.writeString(dir.resolve("ceos.test.yml"), """
                - name: typo
                  now: 2026-11-25T00:00:00Z
                  expected: {ceos: []}
                """);
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isFalse();
        assertThat(r.fileErrors()).singleElement().asString()
                .contains("ceos.test.yml: case 1 ('typo'): unknown field 'expected'");
    }

    @Test
    void ruleThatThrowsFailsTheCase() throws Exception {
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE.replace("$p : Person(", "$p : Person(id.substring(99) != null, "));
        Files.writeString(dir.resolve("ceos.test.yml"), "- name: throws\n  now: 2026-11-25T00:00:00Z\n" + PEOPLE
                + "  expect: {ceos: []}\n");
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isFalse();
        assertThat(r.render()).contains("rule \"Chief executive\" (ceos.drl) condition: a condition threw StringIndexOutOfBoundsException");
    }

    @Test
    void untestedSegmentsAreNamed() throws Exception {
        Files.writeString(dir.resolve("ceos.drl"), CEO_RULE);
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isTrue();
        assertThat(r.untestedSegments()).containsExactly("ceos");
        assertThat(r.render()).contains("note: no test checks segment(s) ceos");
    }
}
