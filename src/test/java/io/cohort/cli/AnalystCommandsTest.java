package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.CohortApplication;
import io.cohort.CohortConfiguration;
import io.cohort.it.CohortApp;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check-rules and test-rules through Dropwizard's Cli, as `java -jar cohort.jar …` runs them. */
class AnalystCommandsTest {
    @TempDir Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs one command line; empty when the command succeeded (exit 0), else what made it exit 1. */
    Optional<Throwable> cli(String... args) {
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        Bootstrap<CohortConfiguration> b = new Bootstrap<>(new CohortApplication());
        b.addCommand(new CheckRulesCommand(ps));
        b.addCommand(new TestRulesCommand(ps));
        return new Cli(new JarLocation(getClass()), b, out, err).run(args);
    }

    String out() { return out.toString(StandardCharsets.UTF_8); }

    String err() { return err.toString(StandardCharsets.UTF_8); }

    @Test
    void theApplicationRegistersBothCommands() {
        Bootstrap<CohortConfiguration> b = new Bootstrap<>(new CohortApplication());
        new CohortApplication().initialize(b);
        assertThat(b.getCommands()).extracting(Command::getName).contains("check-rules", "test-rules");
    }

    @Test
    void checkRulesListsTheShippedSegments() {
        assertThat(cli("check-rules", "rules")).isEmpty();
        assertThat(out()).contains("OK: 9 file(s), 10 segment(s)",
                "high-value-new-product  \"High-value accounts: new product interest\"  high-value-new-product.drl",
                "upsell-customers", "engaged-prospects", "late-stage-deals", "webinar-attendees", "enterprise-automotive");
    }

    @Test
    void checkRulesPrintsFileLineColumnAndFails() throws Exception {
        Files.writeString(dir.resolve("bad.drl"), """
                package cohort.segments;
                import io.cohort.model.*;
                import java.io.File;

                rule "bad"
                    @segment("bad")
                when
                    $p : Person(emial == "x")
                then
                    insertLogical(new Qualified("bad", $p.id()));
                end
                """);
        assertThat(cli("check-rules", dir.toString())).isPresent();
        assertThat(out()).contains("bad.drl:3:1: error: import 'java.io.File' is not allowed");
        assertThat(out()).containsPattern("bad\\.drl:8:\\d+: error: .*emial");
        assertThat(err()).contains("2 error(s) in " + dir);

        Files.writeString(dir.resolve("bad.drl"), Files.readString(dir.resolve("bad.drl")).replace("import java.io.File;\n", ""));
        out.reset();
        assertThat(cli("check-rules", dir.toString())).isPresent();
        assertThat(out()).containsPattern("bad\\.drl:7:\\d+: error: .*emial.*did you mean 'email'");
    }

    @Test
    void checkRulesRefusesAMissingOrEmptyDirectory() {
        assertThat(cli("check-rules", dir.resolve("nope").toString())).isPresent();
        assertThat(err()).contains("no rules directory");
        assertThat(cli("check-rules", dir.toString())).isPresent();
        assertThat(err()).contains("no rule files (*.drl, *.csv, *.xlsx) in");
    }

    @Test
    void testRulesPassesOnTheShippedRulesAndFailsOnAWrongExpectation() throws Exception {
        assertThat(cli("test-rules", "rules")).isEmpty();
        assertThat(out()).contains("PASS high-value-new-product.test.yml › Bodea, all five sources - only p2 qualifies")
                .containsPattern("OK: \\d+ case\\(s\\), 0 failed");

        CohortApp.copyRules(Path.of("rules"), dir); // the rules and their tests
        Path seedTest = dir.resolve("high-value-new-product.test.yml");
        Files.writeString(seedTest, Files.readString(seedTest).replaceFirst(
                "high-value-new-product: \\[p2@townsend.com\\]", "high-value-new-product: [p1@townsend.com]"));
        out.reset();
        assertThat(cli("test-rules", dir.toString())).isPresent();
        assertThat(out()).contains("FAIL high-value-new-product.test.yml › Bodea, all five sources - only p2 qualifies",
                "expected [p1@townsend.com] but was [p2@townsend.com]",
                "unexpected p2@townsend.com: rule \"High-value account, viewed the new product\" (high-value-new-product.drl) with $account=",
                "$total=1100000.0");
        assertThat(err()).contains("rule tests failed in " + dir);
    }
}
