package io.cohort.cli;

import io.cohort.engine.CompileResult;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleFiles;
import io.cohort.engine.RuleService;
import io.cohort.engine.SegmentDefinition;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.TreeMap;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * {@code check-rules [dir]}: compiles the rule files as the service would (same compiler, same
 * sandbox guard) and prints {@code file:line:column: error: message} per problem; on success,
 * the segments the files declare. Exits non-zero on any error.
 */
public final class CheckRulesCommand extends AnalystCommand {

    public CheckRulesCommand() { this(System.out); }

    public CheckRulesCommand(PrintStream out) {
        super("check-rules", "Compile the rule files (*.drl, decision tables *.csv and *.xlsx) and list their segments; non-zero exit on errors", out);
    }

    @Override protected void run(Path dir, Namespace namespace) throws CommandFailedException {
        Clock clock = Clock.systemUTC();
        RuleCompiler compiler = new RuleCompiler(clock);
        RuleFiles files = RuleService.read(dir); // a file that is not UTF-8, cannot be read or is misnamed: an error listed with the others
        if (files.texts().isEmpty()) throw new CommandFailedException("no rule files (*.drl, *.csv, *.xlsx) in " + dir);
        CompileResult r = compiler.compile(files);
        r.messages().forEach(out::println);
        if (!r.ok()) {
            throw new CommandFailedException(r.errors().size() + " error(s) in " + dir + "; nothing would be applied");
        }
        var segments = new TreeMap<>(r.ruleBook().orElseThrow().segments());
        out.println("OK: " + files.texts().size() + " file(s), " + segments.size() + " segment(s)");
        for (SegmentDefinition s : segments.values()) {
            out.println("  " + s.id() + "  \"" + s.name() + "\"  " + String.join(", ", s.files()));
        }
    }
}
