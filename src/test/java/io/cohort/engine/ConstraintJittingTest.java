package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Drools turns a constraint into bytecode once it ran 20 times (MVEL jitting). In 10.2.0 the
 * bytecode of a constraint with an operator like {@code str[startsWith]} calls
 * {@code EvaluatorHelper.initOperators} with a signature that no longer exists: a
 * NoSuchMethodError on the 21st account, and every evaluation round failed from then on. Found
 * by the benchmark (10,000 accounts): the shipped enterprise-automotive rule had such an operator.
 */
class ConstraintJittingTest {

    static final String OPERATOR = "industry != null && industry str[startsWith] \"Automotive\",";

    @Test
    void theShippedOperatorRuleKeepsWorkingPastTheJittingThreshold() throws Exception {
        String drl = Files.readString(Path.of("rules/enterprise-automotive.drl"));
        CompileResult r = compile(drl);
        assertThat(r.messages()).as("the shipped rule is written the way the warning advises").isEmpty();
        runPastThreshold(r.ruleBook().orElseThrow());
    }

    @Test
    void anOperatorIsWarnedAboutAndTheRulesStillEvaluate() throws Exception {
        String drl = Files.readString(Path.of("rules/enterprise-automotive.drl"))
                .replace("industry != null && industry.startsWith(\"Automotive\"),", OPERATOR);
        assertThat(drl).contains(OPERATOR);
        CompileResult r = compile(drl);
        assertThat(r.messages()).singleElement().satisfies(m -> {
            assertThat(m.level()).isEqualTo(RuleMessage.Level.WARNING);
            assertThat(m.file()).isEqualTo("enterprise-automotive.drl");
            assertThat(m.line()).isGreaterThan(0);
            assertThat(m.message()).contains("Enterprise automotive account", "industry.startsWith(\"Automotive\")");
        });
        runPastThreshold(r.ruleBook().orElseThrow());
    }

    static CompileResult compile(String drl) {
        return new RuleCompiler(Clock.systemUTC()).compile(Map.of("enterprise-automotive.drl", drl));
    }

    static void runPastThreshold(RuleBook book) {
        Now now = new Now(Instant.parse("2026-11-25T00:00:00Z"));
        for (int i = 0; i < 100; i++) {
            String p = "p" + i, a = "a" + i;
            String industry = i % 3 == 0 ? "Automotive OEM" : i % 3 == 1 ? "Retail" : null;
            OneShot.Result o = OneShot.run(book.kieBase(), book, List.of(
                    new Person(p, p + "@x.com", null, null, null, null, false, List.of(), Map.of()),
                    new Account(a, "Co " + i, null, industry, 5_000, 0, null, List.of(), Map.of(), true),
                    new AccountPerson(a, p, null, Map.of())), now, false, Budget.DEFAULT);
            assertThat(o.failure()).as("account %d", i).isNull();
            assertThat(o.qualified().contains(new Qualified("enterprise-automotive", p))).as("account %d", i).isEqualTo(i % 3 == 0);
        }
    }
}
