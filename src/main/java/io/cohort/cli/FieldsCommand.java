package io.cohort.cli;

import io.cohort.CohortConfiguration;
import io.cohort.Wiring;
import io.cohort.analyst.FieldValues;
import io.cohort.engine.sandbox.FactCatalog;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import java.io.PrintStream;
import java.time.Clock;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code fields [config.yml] [--values Type.field] [--limit 20]}: what {@code GET /v1/fields}
 * answers, for a terminal. Without {@code --values}, every fact type with its fields (type,
 * description) and helpers; no database is opened. With it, the most frequent values of that
 * field in the configured database, with counts.
 */
public final class FieldsCommand extends ConfiguredCommand<CohortConfiguration> {

    public FieldsCommand() {
        super("fields", "List the fact types' fields rules may use, or the stored values of one field with counts");
    }

    @Override
    public void configure(Subparser subparser) {
        super.configure(subparser);
        subparser.addArgument("--values").metavar("Type.field")
                .help("count the stored values of this field, e.g. Opportunity.stage, Event.eventType, "
                        + "Opportunity.attributes (names), Opportunity.attributes.Type (values); needs the config file");
        subparser.addArgument("--limit").type(Integer.class).setDefault(20)
                .help("how many values to print (1 to " + FieldValues.MAX_LIMIT + ", default 20)");
    }

    /** The reference needs no configuration: printed before Dropwizard would insist on one. */
    @Override
    public void run(Bootstrap<?> bootstrap, Namespace ns) throws Exception {
        if (ns.getString("values") == null) {
            print(System.out);
            return;
        }
        super.run(bootstrap, ns);
    }

    @Override
    protected void run(Bootstrap<CohortConfiguration> bootstrap, Namespace ns, CohortConfiguration config) throws Exception {
        PrintStream out = System.out;
        String path = ns.getString("values");
        int limit = ns.getInt("limit");
        if (limit < 1 || limit > FieldValues.MAX_LIMIT) throw new CommandFailed("--limit is 1 to " + FieldValues.MAX_LIMIT);
        if (ns.getString("file") == null) throw new CommandFailed("--values reads the database: give the config file, fields config.yml --values " + path);
        Wiring wiring = new Wiring(config, bootstrap.getObjectMapper(), bootstrap.getMetricRegistry(), Clock.systemUTC());
        try (Wiring.Database db = wiring.database("fields")) {
            FieldValues values = new FieldValues(wiring.store(db.jdbi()), bootstrap.getObjectMapper());
            FieldValues.Values v;
            try {
                v = values.count(path, limit);
            } catch (FieldValues.FieldException e) {
                throw new CommandFailed(e.getMessage());
            }
            out.printf("%s: %,d %s records, %,d without a value, %,d distinct values%s%n", v.field(), v.records(), v.recordType(),
                    v.missing(), v.distinct(), v.capped() ? " (more not counted)" : "");
            for (FieldValues.ValueCount c : v.values()) out.printf("%10d  %s%n", c.count(), c.value());
        }
    }

    /** The reference, one block per type. */
    static void print(PrintStream out) {
        for (FactCatalog.FactType t : FactCatalog.types()) {
            out.println(t.name() + (t.kind().equals("value") ? " (not a fact: match with from)" : "") + " - " + t.description());
            int w = t.fields().stream().mapToInt(f -> f.name().length()).max().orElse(0);
            int tw = t.fields().stream().mapToInt(f -> f.type().length()).max().orElse(0);
            for (FactCatalog.Field f : t.fields()) {
                out.printf("  %-" + w + "s  %-" + tw + "s  %s%s%n", f.name(), f.type(), f.description(),
                        f.joins() == null ? "" : " [" + f.joins() + " id]");
            }
            for (FactCatalog.HelperMethod h : t.helpers()) {
                out.println("  " + h.signature() + " : " + h.returns() + "  " + h.description());
            }
            out.println();
        }
        out.println("Values of a field: fields config.yml --values Opportunity.stage (or GET /v1/fields/Opportunity.stage/values)");
    }

    @Override public void onError(Cli cli, Namespace namespace, Throwable e) {
        if (e instanceof CommandFailed) cli.getStdErr().println(e.getMessage());
        else super.onError(cli, namespace, e);
    }
}
