package io.cohort.analyst;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.EngineConfig;
import io.cohort.engine.RuleCompiler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The build runs the analysts' rule tests (rules/*.test.yml) against the shipped rules, so a
 * broken rule or a broken expectation fails the build with the runner's report.
 */
class ShippedRulesTest {

    @Test
    void everyRuleTestInTheRulesDirectoryPasses() {
        RuleTests tests = new RuleTests(new RuleCompiler(Clock.systemUTC()),
                Duration.ofMillis(new EngineConfig().eventRetention().toMilliseconds()));
        RuleTestReport report = tests.run(Path.of("rules"));
        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.untestedSegments()).as("segments without a rule test").isEmpty();
        System.out.print(report.render()); // the cases in the build log, as test-rules prints them
    }
}
