package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.Fact;
import java.time.Clock;
import java.time.Instant;
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
        // The rule's last condition no fact meets: Drools never works out the joins before it, its prefixes do.
        String drl = OneShotTest.colleagues("Colleagues", OneShotTest.multiplying(shape)
                + "\n    Opportunity(accountId == $a, name == \"Colleagues deal\")");
        RuleBook b = new RuleCompiler(Clock.systemUTC()).compile(Map.of("hostile.drl", drl)).ruleBook().orElseThrow();
        List<Fact> facts = OneShotTest.oneAccount(150);
        long start = System.nanoTime();
        WhyNot.Answer a = WhyNot.explain(b, "colleagues", facts, NOW, "p0", OneShotTest.timeOnly(300_000_000L));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(a.stopped()).as("stopped (after %d ms): %s", millis, a).isNotNull();
        assertThat(a.stopped().kind()).isEqualTo(OneShot.Failure.Kind.TIME);
        assertThat(a.stopped().rule()).isEqualTo("Colleagues");
        assertThat(a.stopped().message()).contains("300 ms", "\"Colleagues\"").doesNotContain("__whynot");
        assertThat(a.steps()).isEmpty();
        assertThat(millis).as("stopped near the deadline").isLessThan(10_000);
    }
}
