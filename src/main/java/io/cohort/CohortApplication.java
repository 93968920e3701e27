package io.cohort;

import com.codahale.metrics.Gauge;
import io.cohort.api.ErrorMappers;
import io.cohort.api.JettyErrors;
import io.cohort.api.JsonBodies;
import io.cohort.api.resources.ProfileResource;
import io.cohort.api.resources.RecordResource;
import io.cohort.api.resources.RuleResource;
import io.cohort.api.resources.SegmentResource;
import io.cohort.api.resources.SourceResource;
import io.cohort.audience.AudienceLedger;
import io.cohort.audience.MembershipReader;
import io.cohort.auth.Caller;
import io.cohort.auth.JsonUnauthorizedHandler;
import io.cohort.auth.TokenAuthenticator;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuleWatcher;
import io.cohort.engine.SafeRuleGuard;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.RecordParser;
import io.cohort.ops.ClockTask;
import io.cohort.ops.EvaluationLagHealthCheck;
import io.cohort.ops.ReloadRulesTask;
import io.cohort.ops.RulesHealthCheck;
import io.cohort.store.Durability;
import io.cohort.store.Migrations;
import io.cohort.store.RecordStore;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.migrations.MigrationsBundle;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the stages together; builds objects and registers them, nothing else. */
public class CohortApplication extends Application<CohortConfiguration> {
    private static final Logger LOG = LoggerFactory.getLogger(CohortApplication.class);

    private volatile Services services;

    public static void main(String[] args) throws Exception {
        new CohortApplication().run(args);
    }

    @Override public String getName() { return "cohort"; }

    @Override
    public void initialize(Bootstrap<CohortConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addBundle(new MigrationsBundle<>() {
            @Override public DataSourceFactory getDataSourceFactory(CohortConfiguration c) { return c.database(); }
        });
    }

    @Override
    public void run(CohortConfiguration config, Environment env) throws Exception {
        Clock clock = config.engine().manualClock() ? new ManualClock(java.time.Instant.now()) : Clock.systemUTC();
        config.database().setUrl(Durability.durableUrl(config.database().getUrl()));
        if (Durability.delaysWrites(config.database().getUrl())) {
            LOG.warn("database.url sets H2's WRITE_DELAY: batches acknowledged within that delay are lost if the process dies");
        }
        Jdbi jdbi = new JdbiFactory().build(env, config.database(), "database");
        if (config.migrateOnStart()) migrate(config, env);

        RecordStore store = new RecordStore(jdbi, env.getObjectMapper());
        ProfileGraph graph = new ProfileGraph();
        RuleService rules = new RuleService(Path.of(config.engine().rulesDirectory()),
                new RuleCompiler(new SafeRuleGuard(), clock), clock);
        MembershipReader reader = new MembershipReader(jdbi);
        AudienceLedger ledger = new AudienceLedger(jdbi, env.getObjectMapper(), List.of(), () -> {});
        Evaluator evaluator = new Evaluator(graph, ledger, clock, config.engine());
        Pipeline pipeline = new Pipeline(config.sources(), new RecordParser(config.ingestLimits()), store, graph,
                evaluator, clock, env.metrics());

        long started = System.nanoTime();
        long loaded = pipeline.loadFromStore();
        evaluator.start(rules.initial());
        rules.attach(evaluator);
        ledger.registerActivations(clock.millis());
        LOG.info("loaded {} source records and evaluated {} segments in {} ms", loaded,
                evaluator.ruleBook().segments().size(), (System.nanoTime() - started) / 1_000_000);
        env.lifecycle().manage(evaluator);
        if (config.engine().watchRules()) {
            env.lifecycle().manage(new RuleWatcher(rules, config.engine().watchInterval().toMilliseconds()));
        }

        JsonBodies bodies = new JsonBodies(config.ingestLimits());
        TokenAuthenticator auth = new TokenAuthenticator(config.auth().tokens());
        env.jersey().register(new AuthDynamicFeature(new OAuthCredentialAuthFilter.Builder<Caller>()
                .setAuthenticator(auth).setAuthorizer(auth).setPrefix("Bearer").setRealm("cohort")
                .setUnauthorizedHandler(new JsonUnauthorizedHandler()).buildAuthFilter()));
        env.jersey().register(RolesAllowedDynamicFeature.class);
        env.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
        JettyErrors.install(env);
        env.jersey().register(new ErrorMappers.InvalidBatch());
        env.jersey().register(new ErrorMappers.NativeFormat());
        env.jersey().register(new SourceResource(pipeline, bodies));
        env.jersey().register(new RecordResource(pipeline, store));
        env.jersey().register(new ProfileResource(graph, reader, clock,
                Duration.ofMillis(config.engine().eventRetention().toMilliseconds())));
        env.jersey().register(new SegmentResource(evaluator, ledger, reader));
        env.jersey().register(new RuleResource(rules, evaluator, bodies));

        // JdbiFactory registers the "database" health check (a validation query).
        env.healthChecks().register("rules", new RulesHealthCheck(rules));
        env.healthChecks().register("evaluation", new EvaluationLagHealthCheck(evaluator.stats(), 60_000));
        env.admin().addTask(new ReloadRulesTask(rules));
        if (clock instanceof ManualClock manual) env.admin().addTask(new ClockTask(manual, evaluator));
        env.metrics().register("cohort.engine.lagMillis", (Gauge<Long>) evaluator.stats()::lagMillis);
        env.metrics().register("cohort.engine.lastRoundMillis", (Gauge<Long>) evaluator.stats()::lastRoundMillis);
        env.metrics().register("cohort.engine.components", (Gauge<Integer>) evaluator.stats()::components);
        env.metrics().register("cohort.engine.memberships", (Gauge<Integer>) evaluator.stats()::realized);
        env.metrics().register("cohort.engine.facts", (Gauge<Long>) evaluator::factCount);

        services = new Services(pipeline, evaluator, graph, rules, store);
    }

    private static void migrate(CohortConfiguration config, Environment env) throws Exception {
        var ds = config.database().build(env.metrics(), "migrations");
        try {
            Migrations.migrate(ds);
        } finally {
            ds.stop();
        }
    }

    /** For tests driving the running app: the stages built by {@link #run}. */
    public Services services() { return services; }

    public record Services(Pipeline pipeline, Evaluator evaluator, ProfileGraph graph, RuleService rules, RecordStore store) {}
}
