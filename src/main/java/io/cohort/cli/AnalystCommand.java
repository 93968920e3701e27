package io.cohort.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.slf4j.LoggerFactory;

/**
 * Base of the analysts' commands: a rules directory argument (default "rules"), output to a
 * stream, and a failure that prints its summary instead of a stack trace and exits non-zero.
 */
abstract class AnalystCommand extends Command {
    protected final PrintStream out;

    protected AnalystCommand(String name, String description, PrintStream out) {
        super(name, description);
        this.out = out;
    }

    @Override public void configure(Subparser subparser) {
        subparser.addArgument("dir").nargs("?").setDefault("rules").help("rules directory (default: rules)");
    }

    @Override public final void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        // Drools logs each compile error again, without our file names: the messages we print say it all.
        ((Logger) LoggerFactory.getLogger("org.drools")).setLevel(Level.OFF);
        ((Logger) LoggerFactory.getLogger("org.kie")).setLevel(Level.OFF);
        Path dir = Path.of(namespace.getString("dir"));
        if (!Files.isDirectory(dir)) throw new CommandFailedException("no rules directory '" + dir + "'");
        run(dir, namespace);
        out.flush();
    }

    protected abstract void run(Path dir, Namespace namespace) throws Exception;

    @Override public void onError(Cli cli, Namespace namespace, Throwable e) {
        if (e instanceof CommandFailedException) {
            out.flush();
            cli.getStdErr().println(e.getMessage());
        } else {
            super.onError(cli, namespace, e);
        }
    }
}
