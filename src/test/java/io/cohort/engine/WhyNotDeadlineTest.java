package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.AccountPerson;
import io.cohort.model.Fact;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The probes of "why not" keep the sandbox's deadline wherever it put one: in plain patterns and
 * inside not, exists, accumulate and collect. The rule itself costs nothing here (no deal of that
 * name, so Drools never works out the joins before it); its prefixes join every colleague with
 * every two others. Before, the probes carried no deadline: 150 colleagues took ~20 s per shape at
 * a 300 ms budget, 300 ran out of memory after minutes.
 */
class WhyNotDeadlineTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "not", "exists", "accumulate", "collect"})
    void probesWhoseJoinsMultiplyStopAtTheDeadlineAndNameTheRule(String shape) {
        String colleagues = "AccountPerson(accountId == $a, $x : personId) and AccountPerson(accountId == $a, $y : personId) "
                + "and AccountPerson(accountId == $a, personId.length() > $x.length() + $y.length() + 100)";
        String condition = switch (shape) {
            case "plain" -> colleagues.replace(" and ", "\n    ").replace("AccountPerson(accountId == $a, personId",
                    "AccountPerson(accountId == $a, $z : personId, personId");
            case "not" -> "not (" + colleagues + ")";
            case "exists" -> "exists (" + colleagues + ")";
            case "accumulate" -> "accumulate(" + colleagues + "; $n : count(); $n > 0)";
            default -> "AccountPerson(accountId == $a, $x : personId)\n    AccountPerson(accountId == $a, $y : personId)\n    "
                    + "$c : java.util.List() from collect(AccountPerson(accountId == $a, personId.length() > $x.length() + $y.length() + 100))";
        };
        String drl = """
                package cohort.segments;
                import io.cohort.model.*;
                rule "Colleagues"
                    @segment("colleagues")
                when
                    $p : Person()
                    AccountPerson(personId == $p.id, $a : accountId)
                    %s
                    Opportunity(accountId == $a, name == "Colleagues deal")
                then
                    insertLogical(new Qualified("colleagues", $p.id()));
                end
                """.formatted(condition);
        RuleBook b = new RuleCompiler(Clock.systemUTC()).compile(Map.of("hostile.drl", drl)).ruleBook().orElseThrow();
        List<Fact> facts = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            facts.add(OneShotTest.person("p" + i));
            facts.add(new AccountPerson("a1", "p" + i, null, Map.of()));
        }
        long start = System.nanoTime();
        WhyNot.Answer a = WhyNot.explain(b, "colleagues", facts, NOW, "p0", new Budget(10_000_000, 1_000_000, 300_000_000L));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(a.stopped()).as("stopped (after %d ms): %s", millis, a).isNotNull();
        assertThat(a.stopped().kind()).isEqualTo(OneShot.Failure.Kind.TIME);
        assertThat(a.stopped().rule()).isEqualTo("Colleagues");
        assertThat(a.stopped().message()).contains("300 ms", "\"Colleagues\"").doesNotContain("__whynot");
        assertThat(a.steps()).isEmpty();
        assertThat(millis).as("stopped near the deadline").isLessThan(10_000);
    }
}
