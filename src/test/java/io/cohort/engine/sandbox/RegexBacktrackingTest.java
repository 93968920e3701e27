package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the sandbox counts in a regular expression to bound its matching ({@code ConditionChecker.Backtracking}):
 * open-ended repetitions (the polynomial's degree) and the other choices, with the parts of the
 * syntax that look like quantifiers but are not.
 */
class RegexBacktrackingTest {
    private static ConditionChecker.Backtracking of(String re) {
        Pattern.compile(re); // every case is a valid expression
        return ConditionChecker.Backtracking.of(re);
    }

    @Test
    void openEndedRepetitionsAreCounted() {
        assertThat(of(".*.*.*.*.*.*.*.*x").unbounded()).isEqualTo(8);
        assertThat(of(".*x.*y.*z").unbounded()).isEqualTo(3);
        assertThat(of("a+b*c{2,}").unbounded()).isEqualTo(3);
        assertThat(of(".{0,1000}.{0,1000}").unbounded()).isEqualTo(2); // counts this wide behave as open-ended
        assertThat(of("(ab)*c").unbounded()).isEqualTo(1);
        assertThat(of(".*@bodea\\.com").unbounded()).isEqualTo(1);
    }

    @Test
    void lazyAndPossessiveMarksAreNotMoreRepetitions() {
        assertThat(of(".*?x.+?y").unbounded()).isEqualTo(2);
        assertThat(of("a*+b").unbounded()).isEqualTo(1);
        assertThat(of("a??b").bounded()).isEqualTo(2);
    }

    @Test
    void whatOnlyLooksLikeAQuantifierIsNot() {
        assertThat(of("(?i)chief.*").unbounded()).isEqualTo(1);
        assertThat(of("(?:ab)c").bounded()).isEqualTo(1);
        assertThat(of("(?<t>x)y").bounded()).isEqualTo(1);
        assertThat(of("a\\*b\\+c\\?").unbounded()).isZero();
        assertThat(of("[*+?{]x").unbounded()).isZero();
        assertThat(of("[a-z&&[^*]]x").unbounded()).isZero();
        assertThat(of("\\Q.*.*.*\\Ex").unbounded()).isZero();
        assertThat(of("\\Q.*").unbounded()).isZero();
        assertThat(of("a{2}b{3}").bounded()).isEqualTo(1);
    }

    @Test
    void optionalPartsCountsAndAlternativesMultiply() {
        assertThat(of("a?b?c?").bounded()).isEqualTo(8);
        assertThat(of("x{1,4}").bounded()).isEqualTo(4);
        assertThat(of("(cto|cio|chief)").bounded()).isEqualTo(3);
        assertThat(of("vp|director").bounded()).isEqualTo(2);
        assertThat(of("(a|b)(c|d|e)").bounded()).isEqualTo(6);
    }

    @Test
    void expressionsAnalystsWriteStayWithinTheLimits() {
        // Two open-ended repetitions (n² steps) and a few alternatives: the cost the sandbox allows.
        for (String re : new String[] {".*@bodea\\.com", "(?i).*(cto|cio|chief|vp|director|head).*", "https://www\\.bodea\\.com/products/.*",
                "[A-Z]{2}", "^[^@]+@[^@]+$", "\\d{3}-\\d{4}", "(?i)(mr|mrs|ms|dr)\\.? .*"}) {
            var b = of(re);
            assertThat(b.unbounded()).as(re).isLessThanOrEqualTo(2);
            assertThat(b.cost()).as(re).isLessThanOrEqualTo(4_096.0 * 4_096 * 16);
        }
    }
}
