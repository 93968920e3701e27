package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleMessage;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A rule set holds at most {@link DrlSandbox#MAX_RULES} rules, counted over all its files in
 * their order: the error is at the first rule past the limit, before Drools compiles anything
 * (which it cannot be stopped from, at tens of milliseconds a rule).
 */
class RuleCountTest {
    private static String rules(String prefix, int n) {
        StringBuilder b = new StringBuilder("package cohort.segments;\nimport io.cohort.model.*;\n");
        for (int i = 0; i < n; i++) {
            b.append("rule \"").append(prefix).append(i).append("\" @segment(\"").append(prefix).append(i)
                    .append("\") when $p : Person(email != null) then insertLogical(new Qualified(\"").append(prefix).append(i)
                    .append("\", $p.id())); end\n");
        }
        return b.toString();
    }

    @Test
    void theFirstRulePastTheLimitIsTheError() {
        Map<String, String> files = new TreeMap<>(Map.of("a.drl", rules("a", 600), "b.drl", rules("b", 401)));
        DrlSandbox.Result r = new DrlSandbox().check(files);
        assertThat(r.ok()).isFalse();
        assertThat(r.messages()).singleElement().satisfies(m -> {
            assertThat(m.level()).isEqualTo(RuleMessage.Level.ERROR);
            assertThat(m.file()).isEqualTo("b.drl");
            assertThat(m.line()).as("b.drl's 401st rule, on line 2 + 401").isEqualTo(403);
            assertThat(m.message()).contains("holds 1001 rules; at most 1000 are allowed");
        });
    }

    /** Rules of 400 conditions each: the Person pattern and 399 comparisons. */
    private static String large(int n) {
        StringBuilder b = new StringBuilder("package cohort.segments;\nimport io.cohort.model.*;\n");
        String constraints = String.join(", ", java.util.stream.IntStream.range(0, 399).mapToObj(i -> "email != \"x" + i + "\"").toList());
        for (int i = 0; i < n; i++) {
            b.append("rule \"l").append(i).append("\" @segment(\"l").append(i).append("\") when $p : Person(").append(constraints)
                    .append(") then insertLogical(new Qualified(\"l").append(i).append("\", $p.id())); end\n");
        }
        return b.toString();
    }

    /**
     * Conditions are bounded per set too ({@link DrlSandbox#MAX_SET_CONDITIONS}): 1,000 rules of
     * 2,000 conditions each would take many minutes to check and compile, at every validation.
     */
    @Test
    void theFirstRulePastTheConditionLimitIsTheError() {
        // At a tenth of the bound (checking 20,000 conditions takes seconds); the bound itself is a constant.
        int bound = DrlSandbox.MAX_SET_CONDITIONS / 10;
        DrlSandbox.Result r = new DrlSandbox(bound).check(Map.of("l.drl", large(6)));
        assertThat(r.ok()).isFalse();
        assertThat(r.messages()).singleElement().satisfies(m -> {
            assertThat(m.file()).isEqualTo("l.drl");
            assertThat(m.line()).as("the 6th rule (5 × 400 = 2,000 conditions before it), on line 2 + 6").isEqualTo(8);
            assertThat(m.message()).contains("more than 2000 conditions");
        });
        assertThat(new DrlSandbox(bound).check(Map.of("l.drl", large(5))).messages()).isEmpty();
    }

    @Test
    void aSetAtTheLimitIsChecked() {
        DrlSandbox.Result r = new DrlSandbox().check(Map.of("a.drl", rules("a", 600), "b.drl", rules("b", 400)));
        assertThat(r.messages()).isEmpty();
        assertThat(r.ok()).isTrue();
    }
}
