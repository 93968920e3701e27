package io.cohort;

import com.codahale.metrics.Gauge;
import io.cohort.api.ErrorMappers;
import io.cohort.api.FrameworkErrors;
import io.cohort.api.JettyErrors;
import io.cohort.api.JsonBodies;
import io.cohort.api.JsonErrorHandler;
import io.cohort.api.OpenApiDocument;
import io.cohort.api.QueryTokenRedaction;
import io.cohort.api.RequestChecks;
import io.cohort.api.RequestIds;
import io.cohort.api.UnreadBodies;
import io.cohort.api.StartupGate;
import io.cohort.engine.Sweep;
import io.cohort.api.console.Console;
import io.cohort.api.resources.ActivationResource;
import io.cohort.api.resources.DestinationResource;
import io.cohort.api.resources.ExplainResource;
import io.cohort.api.resources.FieldResource;
import io.cohort.api.resources.MeResource;
import io.cohort.api.resources.PreviewResource;
import io.cohort.api.resources.ProfileResource;
import io.cohort.api.resources.QuarantineResource;
import io.cohort.api.resources.RecordResource;
import io.cohort.api.resources.RuleResource;
import io.cohort.api.resources.RuleSourceResource;
import io.cohort.api.resources.SearchResource;
import io.cohort.api.resources.SegmentHistoryResource;
import io.cohort.api.resources.SegmentResource;
import io.cohort.api.resources.SourceResource;
import io.cohort.api.resources.StatusResource;
import io.cohort.api.resources.SyncResource;
import io.cohort.auth.Caller;
import io.cohort.auth.JsonUnauthorizedHandler;
import io.cohort.auth.RolesFeature;
import io.cohort.auth.TokenAuthenticator;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleService;
import io.cohort.ops.AdminRequestGuard;
import io.cohort.ops.TaskParameters;
import io.cohort.ops.ClockTask;
import io.cohort.ops.EvaluationLagHealthCheck;
import io.cohort.ops.PrometheusExposition;
import io.cohort.ops.ReevaluateTask;
import io.cohort.ops.ReloadRulesTask;
import io.cohort.ops.ReplayActivationTask;
import io.cohort.ops.RulesHealthCheck;
import io.cohort.ops.SourceHealthCheck;
import io.cohort.ops.SourceSyncTask;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the service's two ports offer on top of the stages: the {@code /v1} API and the console on
 * the application port, health checks, admin tasks and metrics on the admin port. Registers only;
 * every object it hands out was built by {@link Wiring}.
 */
final class Endpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);

    private Endpoints() {}

    /**
     * The application port: request filters, authentication, JSON errors, the resources and the
     * console. Returns the admin tasks' parameter checks, with which {@link #admin} registers the tasks.
     */
    static TaskParameters api(CohortConfiguration config, Environment env, Wiring.Stages s, JsonBodies bodies) {
        TaskParameters tasks = plumbing(config, env);
        resources(env, s, bodies);
        return tasks;
    }

    /**
     * What every served API needs before its resources, in single and cluster mode alike: request
     * ids, token checks (header only, never in a log), JSON errors for everything Jersey and Jetty
     * answer themselves, and the admin port's guard.
     */
    static TaskParameters plumbing(CohortConfiguration config, Environment env) {
        // Admin tasks refuse browser-origin requests.
        env.admin().addFilter("admin-guard", new AdminRequestGuard(AdminRequestGuard.bindHosts(config.getServerFactory())))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        // Then the tasks' parameters, against the allow-list of each task.
        TaskParameters tasks = new TaskParameters();
        env.admin().addFilter("task-parameters", tasks)
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/tasks/*");
        config.auth().startupWarnings().forEach(w -> LOG.warn("\n\n    *** WARNING: {} ***\n", w));
        // Filters in this order: the request id first, so that every later answer carries it.
        env.servlets().addFilter("request-id", new RequestIds())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        // A refusal that left the body unread must not leave the client a dead kept-alive connection.
        env.servlets().addFilter("unread-bodies", new UnreadBodies())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        // Tokens only in the Authorization header, never in a log.
        QueryTokenRedaction.install(env);
        env.servlets().addFilter("request-checks", new RequestChecks(allowedMethods(config), config.ingestLimits().maxBodyBytes()))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        FrameworkErrors.all().forEach(env.jersey()::register);
        env.lifecycle().addEventListener(new LifeCycle.Listener() {
            // Jetty answers oversized headers and malformed HTTP itself: make those JSON too.
            @Override public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) {
                    server.setErrorHandler(new JsonErrorHandler());
                    // Outside Jetty's gzip inflation, which never checks a body's CRC-32 or that it is whole.
                    server.setHandler(new io.cohort.api.GzipIntegrity(server.getHandler()));
                }
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
        return tasks;
    }

    /** The methods Dropwizard's AllowedMethodsFilter lets through on the application port. */
    private static java.util.Set<String> allowedMethods(CohortConfiguration config) {
        return config.getServerFactory() instanceof io.dropwizard.core.server.AbstractServerFactory f
                ? f.getAllowedMethods() : io.dropwizard.jersey.filter.AllowedMethodsFilter.DEFAULT_ALLOWED_METHODS;
    }

    private static void resources(Environment env, Wiring.Stages s, JsonBodies bodies) {
        // In the data's order: records in, profiles, segments and rules, audiences out.
        env.jersey().register(new SourceResource(s.pipeline(), bodies));
        env.jersey().register(new RecordResource(s.pipeline(), s.store()));
        env.jersey().register(new StartupGate(s.startup()::ready, s.startup()::status));
        env.jersey().register(new QuarantineResource(s.store().quarantine()));
        env.jersey().register(new SyncResource(s.connectors()));
        env.jersey().register(new ProfileResource(s.graph(), s.memberships(), s.clock(), s.eventRetention()));
        env.jersey().register(new SearchResource(s.graph()));
        env.jersey().register(new FieldResource(s.fieldValues()));
        env.jersey().register(new SegmentResource(s.evaluator(), s.ledger(), s.memberships()));
        env.jersey().register(new SegmentHistoryResource(s.evaluator(), s.ledger(), s.history(), s.clock()));
        env.jersey().register(new RuleResource(s.rules(), s.evaluator(), bodies));
        env.jersey().register(new RuleSourceResource(s.rules(), s.evaluator()));
        // Analysts' preview and explain: throw-away evaluations over the live graph, applying nothing.
        env.jersey().register(new PreviewResource(s.workbench(), bodies));
        env.jersey().register(new ExplainResource(s.workbench()));
        env.jersey().register(new DestinationResource(s.destinations()));
        env.jersey().register(new ActivationResource(s.destinations(), s.outbox()));
        env.jersey().register(new OpenApiDocument(Version.of(CohortApplication.class)));
        // What the web console needs beyond the above (docs/api.md, "Console").
        env.jersey().register(new MeResource());
        env.jersey().register(new StatusResource(env.metrics(), s.clock(), s.evaluator()::sweep));
        // The web console: /console on this port, calling the /v1 API above with the user's token.
        Console.install(env);
    }

    /** The admin port: readiness and liveness checks, operators' tasks, metrics (also as Prometheus text). */
    static void admin(CohortConfiguration config, Environment env, Wiring.Stages s, TaskParameters tasks) {
        // JdbiFactory registers the "database" health check (a validation query).
        env.healthChecks().register("startup", s.startup().healthCheck());
        env.healthChecks().register("rules", new RulesHealthCheck(s.rules()));
        env.healthChecks().register("evaluation", new EvaluationLagHealthCheck(s.evaluator().stats(), 60_000));
        s.destinations().healthChecks().forEach(env.healthChecks()::register);
        s.connectors().all().forEach((id, r) -> env.healthChecks().register("source-" + id,
                new SourceHealthCheck(r::status, Duration.ofMinutes(15), Duration.ofHours(2))));

        tasks.add(env.admin(), new SourceSyncTask(s.connectors()));
        tasks.add(env.admin(), new ReloadRulesTask(s.rules()));
        tasks.add(env.admin(), ReevaluateTask.of(s.evaluator()));
        tasks.add(env.admin(), io.cohort.ops.CheckpointTask.of(s.startup().checkpoints()));
        tasks.add(env.admin(), new ReplayActivationTask(s.destinations()));
        if (s.clock() instanceof ManualClock manual) tasks.add(env.admin(), ClockTask.of(manual, s.evaluator()));

        engineGauges(env, s.evaluator());
        env.metrics().register("cohort.engine.stepTwoSkipped", (Gauge<Long>) s.graph()::stepTwoSkipped);
        graphGauges(env, s.graph());
        env.metrics().register("cohort.store.quarantined", (Gauge<Long>) s.store().quarantine()::count);
        s.startup().checkpoints().ifPresent(c -> {
            env.metrics().register("cohort.snapshot.batch", (Gauge<Long>) c::writtenBatch);
            env.metrics().register("cohort.snapshot.lastWriteMillis", (Gauge<Long>) c::lastMillis);
            env.metrics().register("cohort.snapshot.lastHeldMillis", (Gauge<Long>) c::lastHeldMillis);
        });
        ruleGauges(env, s.rules());
        PrometheusExposition.install(env, PrometheusExposition.registry(env.metrics(), () -> {
            Map<String, Integer> sizes = new TreeMap<>();
            s.evaluator().ruleBook().segments().keySet().forEach(id -> sizes.put(id, s.ledger().size(id)));
            return sizes;
        }, () -> s.destinations().status().stream().flatMap(d -> d.activations().stream()).toList()));
    }

    private static void engineGauges(Environment env, Evaluator evaluator) {
        env.metrics().register("cohort.engine.lagMillis", (Gauge<Long>) evaluator.stats()::lagMillis);
        env.metrics().register("cohort.engine.lastRoundMillis", (Gauge<Long>) evaluator.stats()::lastRoundMillis);
        env.metrics().register("cohort.engine.memberships", (Gauge<Integer>) evaluator.stats()::realized);
        env.metrics().register("cohort.engine.evaluations", (Gauge<Long>) evaluator.stats()::evaluations);
        env.metrics().register("cohort.engine.consistency.checked", (Gauge<Long>) evaluator.stats()::consistencyChecked);
        env.metrics().register("cohort.engine.consistency.differences", (Gauge<Long>) evaluator.stats()::consistencyDifferences);
        sweepGauges(env, evaluator::sweep);
    }

    /** What the heap grows with: unified people in this process's graph, and the records held for them. */
    static void graphGauges(Environment env, io.cohort.identity.ProfileGraph graph) {
        env.metrics().register("cohort.graph.people", (Gauge<Integer>) graph::personCount);
        env.metrics().register("cohort.graph.records", (Gauge<Long>) graph::recordCount);
    }

    /** A sweep over everyone (a rule edit, say): how many it evaluates and how many so far; 0 and 0 when none runs. */
    static void sweepGauges(Environment env, java.util.function.Supplier<java.util.Optional<Sweep>> sweep) {
        env.metrics().register("cohort.engine.sweep.people", (Gauge<Integer>) () -> sweep.get().map(Sweep::people).orElse(0));
        env.metrics().register("cohort.engine.sweep.evaluated", (Gauge<Integer>) () -> sweep.get().map(Sweep::evaluated).orElse(0));
    }

    private static void ruleGauges(Environment env, RuleService rules) {
        env.metrics().register("cohort.rules.lastReloadFailed",
                (Gauge<Integer>) () -> rules.status() != null && rules.status().lastReloadFailed() ? 1 : 0);
        env.metrics().register("cohort.rules.failedLoads", (Gauge<Long>) rules::failedLoads);
    }
}
