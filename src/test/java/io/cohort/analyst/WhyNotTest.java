package io.cohort.analyst;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Why not": a test case expecting someone the rules leave out says which condition of each rule
 * failed for them, with the value an accumulate computed and the facts it counted. The seed rule,
 * unchanged, on data it was not written for.
 */
class WhyNotTest {
    @TempDir Path dir;
    final RuleTests tests = new RuleTests(new RuleCompiler(Clock.systemUTC()), Duration.ofDays(90));

    private String run(String records, String expect) throws Exception {
        Files.copy(Path.of("rules/high-value-new-product.drl"), dir.resolve("high-value-new-product.drl"));
        Files.writeString(dir.resolve("seed.test.yml"), "- name: case\n  now: 2026-11-25T00:00:00Z\n  records:\n" + records
                + "  expect:\n    high-value-new-product: [" + expect + "]\n");
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isFalse();
        return r.render();
    }

    static final String TOWNSEND = """
                crm-1:
                  - {type: account, id: T1, name: Townsend}
                  - {type: person, id: P2, email: p2@townsend.com}
                  - {type: accountPerson, accountId: T1, personId: P2}
                  - {type: opportunity, id: O1, accountId: T1, amount: 600000, isWon: true, isClosed: true}
                  - {type: opportunity, id: O2, accountId: T1, amount: 350000, isWon: true, isClosed: true}
                  - {type: opportunity, id: O3, accountId: T1, amount: 5000000, isWon: false, isClosed: false}
            """;

    @Test
    void anAccumulateBelowItsThresholdShowsItsValueAndTheFactsItCounted() throws Exception {
        String text = run(TOWNSEND + """
                marketo-1:
                  - {type: person, id: 9, email: p2@townsend.com}
                  - {type: event, id: E1, personId: 9, eventType: web.webpagedetails.pageViews, timestamp: "2026-11-20T10:00:00Z", url: "https://bodea.com/products/new"}
            """, "p2@townsend.com");
        assertThat(text).contains("missing p2@townsend.com: no rule of the segment matched",
                "rule \"High-value account, viewed the new product\": accumulate( Opportunity(accountId == $account, won, "
                        + "$amount : amount); $total : sum($amount); $total > 1000000 ) - does not hold: $total = 950,000 "
                        + "over 2 counted fact(s) [");
        // The open $5M deal is not counted: only the won ones are.
        String counted = text.substring(text.indexOf("counted fact(s) ["));
        assertThat(counted.substring(0, counted.indexOf(']'))).contains("O:").doesNotContain("A:");
        assertThat(counted.substring(0, counted.indexOf(']')).split(",")).hasSize(2);
    }

    @Test
    void aMissingPageViewNamesTheHelperThatFailed() throws Exception {
        String text = run(TOWNSEND.replace("amount: 350000", "amount: 550000"), "p2@townsend.com");
        assertThat(text).contains("rule \"High-value account, viewed the new product\": "
                + "viewed(\"/products/new\", $now.daysAgo(30)) - no fact matches up to this constraint "
                + "(1 match before it: 'personId == $p.id')");
    }

    @Test
    void noAccountAtAllIsTheFirstConditionThatFails() throws Exception {
        String text = run("""
                crm-1:
                  - {type: person, id: P2, email: p2@townsend.com}
            """, "p2@townsend.com");
        assertThat(text).contains("rule \"High-value account, viewed the new product\": personId == $p.id - no fact matches");
    }

    /** Rules match with RE2 (the sandbox rewrites the operator to a call): the analyst still reads the condition as written. */
    @Test
    void aFailedMatchesReadsAsWritten() throws Exception {
        Files.writeString(dir.resolve("vps.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                rule "VPs, not interns"
                    @segment("vps")
                when
                    $p : Person(title not matches "(?i)intern.*", title matches "(?i).*vp.*")
                then
                    insertLogical(new Qualified("vps", $p.id()));
                end
                """);
        Files.writeString(dir.resolve("vps.test.yml"), """
                - name: case
                  now: 2026-11-25T00:00:00Z
                  records:
                    crm-1:
                      - {type: person, id: P1, email: cto@townsend.com, title: CTO}
                      - {type: person, id: P2, email: vp@townsend.com, title: VP Sales}
                      - {type: person, id: P3, email: none@townsend.com}
                  expect:
                    vps: [cto@townsend.com, vp@townsend.com]
                """);
        RuleTestReport r = tests.run(dir);
        assertThat(r.passed()).isFalse();
        assertThat(r.render()).contains("missing cto@townsend.com", "rule \"VPs, not interns\": title matches \"(?i).*vp.*\" - "
                + "no fact matches up to this constraint").doesNotContain("LinearRegex").doesNotContain("none@townsend.com");
    }
}
