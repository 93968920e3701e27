package io.cohort;

import io.cohort.cli.CheckRulesCommand;
import io.cohort.cli.EvaluateCommand;
import io.cohort.cli.FieldsCommand;
import io.cohort.cli.ImportCommand;
import io.cohort.cli.TestRulesCommand;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.migrations.MigrationsBundle;

/**
 * The service and its commands. {@link #run} builds the stages with {@link Wiring} and registers
 * them with {@link Endpoints}; the commands use the same {@link Wiring} for what they need.
 */
public class CohortApplication extends Application<CohortConfiguration> {
    private volatile Wiring.Stages stages;
    /** The rule sets this application compiled, by content: validate and preview compile the running set again and again. */
    private final io.cohort.engine.CompiledRuleSets compiled;

    public CohortApplication() { this(new io.cohort.engine.CompiledRuleSets()); }

    /** @param compiled rule sets compiled before (tests share them between the applications of one JVM) */
    public CohortApplication(io.cohort.engine.CompiledRuleSets compiled) { this.compiled = compiled; }

    public static void main(String[] args) throws Exception {
        new CohortApplication().run(args);
    }

    @Override public String getName() { return "cohort"; }

    @Override
    public void initialize(Bootstrap<CohortConfiguration> bootstrap) {
        // Liquibase prints an "UPDATE SUMMARY" table on stdout at every migration; to the log instead
        // (logger liquibase, WARN in config.yml), unless the operator asks otherwise.
        if (System.getProperty("liquibase.command.showSummaryOutput") == null) {
            System.setProperty("liquibase.command.showSummaryOutput", "LOG");
        }
        // ISO-8601 strings for instants and dates in every JSON answer and stored payload.
        bootstrap.getObjectMapper().disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addBundle(new MigrationsBundle<>() {
            @Override public DataSourceFactory getDataSourceFactory(CohortConfiguration c) { return c.database(); }
        });

        // Analysts' commands; no config file needed: check-rules [dir], test-rules [dir].
        bootstrap.addCommand(new CheckRulesCommand());
        bootstrap.addCommand(new TestRulesCommand());
        // --- operations commands (docs/operations.md) ---
        bootstrap.addCommand(new ImportCommand());
        bootstrap.addCommand(new EvaluateCommand());
        bootstrap.addCommand(new FieldsCommand());
        // --- end operations commands ---
    }

    @Override
    public void run(CohortConfiguration config, Environment env) throws Exception {
        if (config.cluster().mode() == io.cohort.cluster.ClusterConfig.Mode.KAFKA) {
            ClusterWiring.run(config, env, compiled); // one process of a cluster (docs/scale-out.md)
            return;
        }
        Wiring wiring = new Wiring(config, env.getObjectMapper(), env.metrics(), Wiring.ruleClock(config), compiled);
        // records → store → profiles → rule sessions → memberships → outbox → destinations
        Wiring.Stages stages = wiring.service(env);
        var tasks = Endpoints.api(config, env, stages, wiring.bodies());
        Endpoints.admin(config, env, stages, tasks);
        this.stages = stages;
    }

    /** For tests driving the running app: the stages built by {@link #run}. */
    public Wiring.Stages services() { return stages; }
}
