package io.cohort.cli;

import io.cohort.analyst.RuleTestReport;
import io.cohort.analyst.RuleTests;
import io.cohort.engine.EngineConfig;
import io.cohort.engine.RuleCompiler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code test-rules [dir]}: runs every {@code *.test.yml} of the rules directory against its rule
 * files and prints each case with what differs. Exits non-zero when a case fails, a test file
 * cannot be read, or the rules do not compile.
 */
public final class TestRulesCommand extends AnalystCommand {

    public TestRulesCommand() { this(System.out); }

    public TestRulesCommand(PrintStream out) {
        super("test-rules", "Run the rule tests (*.test.yml) against the rule files; non-zero exit on failure", out);
    }

    @Override public void configure(Subparser subparser) {
        super.configure(subparser);
        long days = new EngineConfig().eventRetention().toDays();
        subparser.addArgument("--event-retention-days").type(Integer.class).setDefault((int) days)
                .help("events older than this are not facts, as engine.eventRetention (default: " + days + ")");
    }

    @Override protected void run(Path dir, Namespace namespace) throws CommandFailedException {
        RuleTests tests = new RuleTests(new RuleCompiler(Clock.systemUTC()),
                Duration.ofDays(namespace.getInt("event_retention_days")));
        RuleTestReport report = tests.run(dir);
        out.print(report.render());
        if (!report.passed()) throw new CommandFailedException("rule tests failed in " + dir);
    }
}
