package io.cohort;

import com.codahale.metrics.Gauge;
import io.cohort.analyst.Workbench;
import io.cohort.api.ErrorMappers;
import io.cohort.api.FrameworkErrors;
import io.cohort.api.JettyErrors;
import io.cohort.api.JsonBodies;
import io.cohort.api.resources.ExplainResource;
import io.cohort.api.resources.PreviewResource;
import io.cohort.api.JsonErrorHandler;
import io.cohort.api.RequestIds;
import io.cohort.api.resources.ProfileResource;
import io.cohort.api.resources.RecordResource;
import io.cohort.api.resources.RuleResource;
import io.cohort.api.resources.SegmentResource;
import io.cohort.api.resources.SourceResource;
import io.cohort.api.resources.DestinationResource;
import io.cohort.audience.ActivationBinding;
import io.cohort.audience.AudienceLedger;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.Destinations;
import io.cohort.ops.ReplayActivationTask;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.VendorHttp;
import io.cohort.audience.MembershipReader;
import io.cohort.auth.Caller;
import io.cohort.auth.JsonUnauthorizedHandler;
import io.cohort.auth.RolesFeature;
import io.cohort.auth.TokenAuthenticator;
import io.cohort.cli.CheckRulesCommand;
import io.cohort.cli.TestRulesCommand;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuleWatcher;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.RecordParser;
import io.cohort.ops.ClockTask;
import io.cohort.ops.PrometheusExposition;
import java.util.Map;
import java.util.TreeMap;
import io.cohort.ops.EvaluationLagHealthCheck;
import io.cohort.ops.ReevaluateTask;
import io.cohort.ops.ReloadRulesTask;
import io.cohort.ops.RulesHealthCheck;
import io.cohort.ops.Startup;
import io.cohort.api.StartupGate;
import io.cohort.store.Durability;
import io.cohort.store.Migrations;
import io.cohort.store.RecordStore;
import io.cohort.store.RuleSetStore;
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
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
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
        bootstrap.addCommand(new io.cohort.cli.ImportCommand());
        bootstrap.addCommand(new io.cohort.cli.EvaluateCommand());
        bootstrap.addCommand(new io.cohort.cli.FieldsCommand());
        // --- end operations commands ---
    }

    @Override
    public void run(CohortConfiguration config, Environment env) throws Exception {
        if (config.cluster().mode() == io.cohort.cluster.ClusterConfig.Mode.KAFKA) {
            ClusterWiring.run(config, env); // one process of a cluster (docs/scale-out.md)
            return;
        }
        Clock clock = config.engine().manualClock()
                ? new ManualClock(config.engine().manualClockStart() == null ? java.time.Instant.now() : config.engine().manualClockStart()) : Clock.systemUTC();
        config.database().setUrl(Durability.durableUrl(config.database().getUrl()));
        if (Durability.delaysWrites(config.database().getUrl())) {
            LOG.warn("database.url sets H2's WRITE_DELAY: batches acknowledged within that delay are lost if the process dies");
        }
        Jdbi jdbi = new JdbiFactory().build(env, config.database(), "database");
        if (config.migrateOnStart()) migrate(config, env);

        RecordStore store = new RecordStore(jdbi, env.getObjectMapper());
        ProfileGraph graph = new ProfileGraph();
        RuleService rules = new RuleService(Path.of(config.engine().rulesDirectory()),
                new RuleCompiler(clock), clock, lastGoodRules(new RuleSetStore(jdbi, env.getObjectMapper())));
        MembershipReader reader = new MembershipReader(jdbi);
        // One outbound HTTP client and one registry of vendor call budgets, shared by destinations and sources.
        VendorHttp vendorHttp = VendorHttp.build(config.httpClient(), env);
        CallLimits callLimits = new CallLimits(env.metrics(), Clock.systemUTC());
        Destinations destinations = new Destinations(config.destinations(), config.activations(), config.dispatcher(), jdbi,
                new DestinationContext(env.getObjectMapper(), vendorHttp, env.metrics(), Clock.systemUTC(), callLimits,
                        (name, threads) -> env.lifecycle().executorService(name + "-%d").minThreads(threads).maxThreads(threads).build()));
        List<ActivationBinding> bindings = config.activations().stream()
                .map(a -> new ActivationBinding(a.getId(), a.getSegment(), a.getDestination())).toList();
        AudienceLedger ledger = new AudienceLedger(jdbi, env.getObjectMapper(), bindings, destinations::wakeUp,
                id -> graph.person(id).map(u -> new PersonSnapshot(id, u.person().email(), u.person().emailOptOut(), u.identities())));
        Evaluator evaluator = new Evaluator(graph, ledger, clock, config.engine());
        Pipeline pipeline = new Pipeline(config.sources(), new RecordParser(config.ingestLimits()), store, graph,
                evaluator, clock, env.metrics());

        RuleBook initial = rules.initial();
        evaluator.prepare(initial);
        Duration retention = Duration.ofMillis(config.engine().eventRetention().toMilliseconds());
        // The ports open at once; the graph loads and the engine catches up behind them (Startup).
        Startup startup = new Startup(pipeline, store, evaluator, rules, initial, ledger, clock, retention,
                config.engine().snapshotFile(), graph);
        env.lifecycle().manage(evaluator);
        env.lifecycle().manage(destinations);
        env.lifecycle().manage(startup);
        destinations.healthChecks().forEach(env.healthChecks()::register);
        warnAboutUnknownSegments(config, initial);
        if (config.engine().watchRules()) {
            startup.thenStart(new RuleWatcher(rules, config.engine().watchInterval().toMilliseconds()));
        }

        JsonBodies bodies = new JsonBodies(config.ingestLimits());
        config.auth().startupWarnings().forEach(w -> LOG.warn("\n\n    *** WARNING: {} ***\n", w));
        env.servlets().addFilter("request-id", new RequestIds())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        // Tokens only in the Authorization header, never in a log; admin tasks refuse browser-origin requests.
        io.cohort.api.QueryTokenRedaction.install(env);
        env.servlets().addFilter("request-checks", new io.cohort.api.RequestChecks())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        env.admin().addFilter("admin-guard", new io.cohort.ops.AdminRequestGuard(io.cohort.ops.AdminRequestGuard.bindHosts(config.getServerFactory())))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        FrameworkErrors.all().forEach(env.jersey()::register);
        env.lifecycle().addEventListener(new LifeCycle.Listener() {
            // Jetty answers oversized headers and malformed HTTP itself: make those JSON too.
            @Override public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) server.setErrorHandler(new JsonErrorHandler());
            }
        });
        TokenAuthenticator auth = new TokenAuthenticator(config.auth().tokens());
        env.jersey().register(new AuthDynamicFeature(new OAuthCredentialAuthFilter.Builder<Caller>()
                .setAuthenticator(auth).setAuthorizer(auth).setPrefix("Bearer").setRealm("cohort")
                .setUnauthorizedHandler(new JsonUnauthorizedHandler()).buildAuthFilter()));
        env.jersey().register(new RolesFeature());
        env.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
        JettyErrors.install(env);
        env.jersey().register(new ErrorMappers.InvalidBatch());
        env.jersey().register(new ErrorMappers.NativeFormat());
        env.jersey().register(new ErrorMappers.ShuttingDown());
        env.jersey().register(new SourceResource(pipeline, bodies));
        env.jersey().register(new RecordResource(pipeline, store));
        env.jersey().register(new StartupGate(startup::ready, startup::status));
        env.jersey().register(new io.cohort.api.resources.QuarantineResource(store.quarantine()));
        env.jersey().register(new ProfileResource(graph, reader, clock, retention));
        env.jersey().register(new SegmentResource(evaluator, ledger, reader));
        env.jersey().register(new RuleResource(rules, evaluator, bodies));
        env.jersey().register(new DestinationResource(destinations));
        // --- source connectors (issue 15, docs/sources.md): Cohort pulls sources with a pull: block ---
        // The destinations' HTTP client and call budgets: a Marketo source and destination of one instance share one budget.
        io.cohort.ingest.pull.Connectors connectors = new io.cohort.ingest.pull.Connectors(config.sources(),
                io.cohort.ingest.pull.PullContext.factory(config.sources(), (s, r, c) -> pipeline.ingestWithCursor(s, r, c).batch(),
                        new io.cohort.store.CursorStore(jdbi), store::keys, config.ingestLimits(), callLimits, vendorHttp, env), Clock.systemUTC(),
                name -> env.lifecycle().executorService(name.replace("%", "%%")).minThreads(1).maxThreads(1).build());
        env.lifecycle().manage(connectors);
        env.jersey().register(new io.cohort.api.resources.SyncResource(connectors));
        env.admin().addTask(new io.cohort.ops.SourceSyncTask(connectors));
        connectors.all().forEach((id, r) -> env.healthChecks().register("source-" + id,
                new io.cohort.ops.SourceHealthCheck(r, Duration.ofMinutes(15), Duration.ofHours(2))));
        // --- end source connectors ---
        env.admin().addTask(new ReplayActivationTask(destinations));
        // Analysts' preview and explain: throw-away evaluations over the live graph, applying nothing.
        Workbench workbench = new Workbench(graph, rules, evaluator::ruleBook, clock, retention,
                Duration.ofMillis(config.engine().previewTimeout().toMilliseconds()));
        env.lifecycle().manage(workbench);
        env.jersey().register(new PreviewResource(workbench, bodies));
        env.jersey().register(new ExplainResource(workbench));
        env.jersey().register(new io.cohort.api.OpenApiDocument(Version.of(CohortApplication.class)));
        // What the web console needs beyond the above (docs/api.md, "Console").
        env.jersey().register(new io.cohort.api.resources.MeResource());
        env.jersey().register(new io.cohort.api.resources.StatusResource(env.metrics(), clock));
        env.jersey().register(new io.cohort.api.resources.SearchResource(graph));
        env.jersey().register(new io.cohort.api.resources.FieldResource(
                new io.cohort.analyst.FieldValues(store, env.getObjectMapper())));
        env.jersey().register(new io.cohort.api.resources.RuleSourceResource(rules, evaluator));
        env.jersey().register(new io.cohort.api.resources.SegmentHistoryResource(evaluator, ledger,
                new io.cohort.audience.SegmentHistory(jdbi), clock));
        env.jersey().register(new io.cohort.api.resources.ActivationResource(destinations,
                new io.cohort.destination.OutboxStore(jdbi)));
        // The web console: /console on this port, calling the /v1 API above with the user's token.
        io.cohort.api.console.Console.install(env);

        // JdbiFactory registers the "database" health check (a validation query).
        env.healthChecks().register("startup", startup.healthCheck());
        env.healthChecks().register("rules", new RulesHealthCheck(rules));
        env.healthChecks().register("evaluation", new EvaluationLagHealthCheck(evaluator.stats(), 60_000));
        env.admin().addTask(new ReloadRulesTask(rules));
        env.admin().addTask(new ReevaluateTask(evaluator));
        if (clock instanceof ManualClock manual) env.admin().addTask(new ClockTask(manual, evaluator));
        env.metrics().register("cohort.engine.lagMillis", (Gauge<Long>) evaluator.stats()::lagMillis);
        env.metrics().register("cohort.engine.lastRoundMillis", (Gauge<Long>) evaluator.stats()::lastRoundMillis);
        env.metrics().register("cohort.engine.memberships", (Gauge<Integer>) evaluator.stats()::realized);
        env.metrics().register("cohort.engine.evaluations", (Gauge<Long>) evaluator.stats()::evaluations);
        env.metrics().register("cohort.engine.consistency.checked", (Gauge<Long>) evaluator.stats()::consistencyChecked);
        env.metrics().register("cohort.engine.consistency.differences", (Gauge<Long>) evaluator.stats()::consistencyDifferences);
        env.metrics().register("cohort.store.quarantined", (Gauge<Long>) store.quarantine()::count);
        env.metrics().register("cohort.rules.lastReloadFailed", (Gauge<Integer>) () -> rules.status() != null && rules.status().lastReloadFailed() ? 1 : 0);
        env.metrics().register("cohort.rules.failedLoads", (Gauge<Long>) rules::failedLoads);
        PrometheusExposition.install(env, PrometheusExposition.registry(env.metrics(), () -> {
            Map<String, Integer> sizes = new TreeMap<>();
            evaluator.ruleBook().segments().keySet().forEach(id -> sizes.put(id, ledger.size(id)));
            return sizes;
        }, () -> destinations.status().stream().flatMap(d -> d.activations().stream()).toList()));

        services = new Services(pipeline, evaluator, graph, rules, destinations, store, startup);
    }

    private static void warnAboutUnknownSegments(CohortConfiguration config, RuleBook book) {
        config.activations().stream().filter(a -> book.segment(a.getSegment()).isEmpty())
                .forEach(a -> LOG.warn("activation '{}' names segment '{}', which no rule declares (yet)", a.getId(), a.getSegment()));
    }

    private static RuleService.LastGood lastGoodRules(RuleSetStore store) {
        return new RuleService.LastGood() {
            @Override public void save(String version, java.util.Map<String, String> files, long at) { store.save(version, files, at); }

            @Override public java.util.Optional<java.util.Map<String, String>> load() { return store.lastApplied(); }
        };
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

    public record Services(Pipeline pipeline, Evaluator evaluator, ProfileGraph graph, RuleService rules,
                           Destinations destinations, RecordStore store, Startup startup) {}
}
