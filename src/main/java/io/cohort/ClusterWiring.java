package io.cohort;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.health.HealthCheck;
import io.cohort.analyst.Workbench;
import io.cohort.api.JsonBodies;
import io.cohort.api.StartupGate;
import io.cohort.api.resources.DestinationResource;
import io.cohort.api.resources.ExplainResource;
import io.cohort.api.resources.PreviewResource;
import io.cohort.api.resources.ProfileResource;
import io.cohort.api.resources.RecordResource;
import io.cohort.api.resources.RuleResource;
import io.cohort.api.resources.SegmentResource;
import io.cohort.api.resources.SourceResource;
import io.cohort.audience.ActivationBinding;
import io.cohort.audience.MembershipReader;
import io.cohort.cluster.ClusterConfig;
import io.cohort.cluster.ClusterNode;
import io.cohort.cluster.ClusterPulls;
import io.cohort.cluster.ClusterLease;
import io.cohort.cluster.IngestLog;
import io.cohort.cluster.ManualTime;
import io.cohort.cluster.SharedManualClock;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.Destinations;
import io.cohort.destination.DispatchGate;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuleWatcher;
import io.cohort.ingest.RecordParser;
import io.cohort.ingest.pull.Connectors;
import io.cohort.ingest.pull.PullContext;
import io.cohort.pipeline.Pipeline;
import io.cohort.ops.InstanceLockHealthCheck;
import io.cohort.ops.PrometheusExposition;
import io.cohort.ops.ReevaluateTask;
import io.cohort.ops.ReloadRulesTask;
import io.cohort.ops.ReplayActivationTask;
import io.cohort.ops.RulesHealthCheck;
import io.cohort.store.CursorStore;
import io.cohort.store.InstanceLock;
import io.cohort.store.Migrations;
import io.cohort.store.Pools;
import io.cohort.store.RecordStore;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.VendorHttp;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.lifecycle.Managed;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.Jdbi;

/**
 * The service in {@code cluster.mode: kafka} (docs/scale-out.md): one process of a cluster sharing
 * one PostgreSQL. Builds the objects and registers them, nothing else:
 * <ol>
 *   <li>ingest stores each batch and appends it to the cluster's ingest log in one transaction;</li>
 *   <li>the {@link ClusterNode} feeds this process's profile graph from that log (the read API
 *       answers from it), evaluates its share of the work in the Kafka consumer group and, while
 *       it holds the lease, relays the log's work to Kafka;</li>
 *   <li>an activation's outbox is dispatched only while this process holds its lease
 *       ({@code dispatch:<activation>});</li>
 *   <li>a rule reload (watcher, reload task) applies the rule set to the whole cluster; a set
 *       another process applied is followed here;</li>
 *   <li>a pulled source's connector runs only while this process holds its lease
 *       ({@code pull:<source>}, {@link ClusterPulls}), writing through the ingest path above
 *       with its cursors, fenced by the lease in the same transaction.</li>
 * </ol>
 */
final class ClusterWiring {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterWiring.class);
    private ClusterWiring() {}

    /** @param compiled the rule sets the application compiled before (validate and preview compile the running set again) */
    static void run(CohortConfiguration config, Environment env, io.cohort.engine.CompiledRuleSets compiled) throws Exception {
        ClusterConfig cluster = config.cluster();
        String url = config.database().getUrl();
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalStateException("cluster.mode: kafka needs PostgreSQL as the shared store (database.url "
                    + "jdbc:postgresql://...); database.url is " + (url == null ? "not set" : url.replaceAll("[?;].*", "")));
        }
        // Any number of cluster nodes, but never beside a single-mode process or an import (store.InstanceLock).
        InstanceLock.forService(config.database(), InstanceLock.Kind.SHARED, "cluster node " + cluster.nodeId(),
                cluster.instanceLockWait()).ifPresent(lock -> InstanceLockHealthCheck.holdForLife(env, lock));
        Jdbi jdbi = new JdbiFactory().build(env, config.database(),
                Pools.build(config.database(), env.metrics(), "database"), "database");
        if (config.migrateOnStart()) {
            var ds = Pools.build(config.database(), env.metrics(), "migrations");
            try {
                Migrations.migrate(ds);
            } finally {
                ds.stop();
            }
        }

        // engine.manualClock (tests, demos): one time for the whole cluster, kept in the database.
        Clock clock = config.engine().manualClock()
                ? SharedManualClock.join(jdbi, cluster.nodeId(),
                        config.engine().manualClockStart() == null ? java.time.Instant.now() : config.engine().manualClockStart())
                : Clock.systemUTC();
        RecordParser parser = new RecordParser(config.ingestLimits()).refusingFutureEvents(clock);
        RecordStore store = new RecordStore(jdbi, env.getObjectMapper());
        // The cluster keeps its rule sets itself (rule_set with cluster_rules): no local last-good copy.
        RuleService rules = new RuleService(Path.of(config.engine().rulesDirectory()), new RuleCompiler(clock, compiled), clock);
        RuleBook initial = rules.initial();
        Duration retention = Duration.ofMillis(config.engine().eventRetention().toMilliseconds());
        List<ActivationBinding> bindings = config.activations().stream()
                .map(a -> new ActivationBinding(a.getId(), a.getSegment(), a.getDestination())).toList();
        ClusterNode node = new ClusterNode(cluster, jdbi, env.getObjectMapper(), parser, bindings, initial, clock, retention,
                config.engine().budget(), Duration.ofMillis(config.engine().tick().toMilliseconds()),
                Duration.ofMillis(config.engine().clockSweep().toMilliseconds()),
                Duration.ofMillis(config.engine().consistencyCheck().toMilliseconds()), config.engine().consistencySample(),
                config.engine().stepTwoLimit(), rules::followed);
        node.ownConditionsFirst(config.engine().ownConditionsFirst());
        node.useStore(new ClusterNode.StoreLoader() {
            @Override public long load(io.cohort.identity.ProfileGraph graph, long upTo, java.time.Instant horizon) {
                return Pipeline.loadInto(store, graph, horizon, upTo, n -> LOG.info("start-up: {} stored records loaded into the profile graph", n));
            }

            @Override public long lastBatch() { return store.position().lastBatch(); }
        });
        node.checkpointEvery(java.time.Duration.ofMillis(config.engine().checkpointInterval().toMilliseconds()));
        config.engine().snapshotFile().ifPresent(file -> node.useSnapshot(
                new io.cohort.cluster.ClusterSnapshot(file, new IngestLog(jdbi, env.getObjectMapper()), () -> store.position().storeId())));
        rules.attach(book -> {
            try {
                node.applyRules(book);
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
        IngestLog log = new IngestLog(jdbi, env.getObjectMapper());
        Pipeline pipeline = Pipeline.journaled(config.sources(), parser, store, log::append, clock, env.metrics());
        MembershipReader reader = new MembershipReader(jdbi);

        VendorHttp vendorHttp = VendorHttp.build(config.httpClient(), env);
        CallLimits callLimits = new CallLimits(env.metrics(), Clock.systemUTC());
        // Every node builds every connector; each runs only on the node holding its lease.
        ClusterPulls pulls = new ClusterPulls(cluster.nodeId(), jdbi, env.getObjectMapper(), cluster.leaseDuration().toMilliseconds(),
                Clock.systemUTC(), pipeline, new CursorStore(jdbi), writes -> new Connectors(config.sources(),
                        PullContext.factory(config.sources(), writes.writer(), writes.cursors(), store::keys, config.ingestLimits(),
                                callLimits, vendorHttp, env), Clock.systemUTC(),
                        name -> env.lifecycle().executorService(name.replace("%", "%%")).minThreads(1).maxThreads(1).build()));
        ClusterLease leases = new ClusterLease(jdbi, cluster.nodeId(), cluster.leaseDuration().toMilliseconds());
        Destinations destinations = new Destinations(config.destinations(), config.activations(), config.dispatcher(), jdbi,
                new DestinationContext(env.getObjectMapper(), vendorHttp, env.metrics(), Clock.systemUTC(), callLimits,
                        (name, threads) -> env.lifecycle().executorService(name + "-%d").minThreads(threads).maxThreads(threads).build()),
                new DispatchGate() {
                    // Wall time: a lease must expire when its holder dies, whatever the evaluation clock says.
                    @Override public boolean open(String activation) {
                        return leases.acquire("dispatch:" + activation, System.currentTimeMillis()).isPresent();
                    }

                    @Override public void close(String activation) { leases.release("dispatch:" + activation); }
                });

        // Start order: the graph catches up and the worker joins the group before the ports open;
        // stop order (reverse): pull connectors first (a last step still commits), ingest refused, then dispatchers, then the node.
        env.lifecycle().manage(node);
        env.lifecycle().manage(destinations);
        if (config.engine().watchRules()) env.lifecycle().manage(new RuleWatcher(rules, config.engine().watchInterval().toMilliseconds()));
        env.lifecycle().manage(new Managed() {
            @Override public void stop() { pipeline.close(() -> {}); }
        });
        // Registered after the pipeline: stopped before it closes, so a connector's last step still commits.
        env.lifecycle().manage(pulls);
        destinations.healthChecks().forEach(env.healthChecks()::register);
        pulls.pulled().forEach(id -> env.healthChecks().register("source-" + id,
                new io.cohort.ops.SourceHealthCheck(() -> pulls.status(id).orElseThrow(), Duration.ofMinutes(15), Duration.ofHours(2))));

        io.cohort.ops.TaskParameters tasks = Endpoints.plumbing(config, env);
        JsonBodies bodies = new JsonBodies(config.ingestLimits());
        env.jersey().register(new SourceResource(pipeline, bodies));
        env.jersey().register(new RecordResource(pipeline, store));
        env.jersey().register(new io.cohort.api.resources.SyncResource(pulls));
        env.jersey().register(new StartupGate(node::started, () -> "catching up with the cluster's ingest log"));
        env.jersey().register(new io.cohort.api.resources.QuarantineResource(store.quarantine()));
        env.jersey().register(new ProfileResource(node.graph(), reader, clock, retention));
        env.jersey().register(new SegmentResource(node::rules, reader::size, reader, node::sweep));
        // Run-time issues of the rules: what every worker found with the version this node runs.
        io.cohort.cluster.RuleIssues issues = new io.cohort.cluster.RuleIssues(jdbi);
        env.jersey().register(new RuleResource(rules, node::rules, () -> issues.of(node.rules().version()), bodies));
        env.jersey().register(new io.cohort.api.resources.RuleSourceResource(rules, () -> issues.of(node.rules().version())));
        env.jersey().register(new io.cohort.api.resources.SegmentHistoryResource(node::rules, reader::size,
                new io.cohort.audience.SegmentHistory(jdbi), clock));
        env.jersey().register(new DestinationResource(destinations));
        env.jersey().register(new io.cohort.api.resources.ActivationResource(destinations, new io.cohort.destination.OutboxStore(jdbi)));
        Workbench workbench = new Workbench(node.graph(), rules, node::rules, clock, retention,
                Duration.ofMillis(config.engine().previewTimeout().toMilliseconds()), config.engine().maxEvaluationMemoryBytes());
        env.lifecycle().manage(workbench);
        env.jersey().register(new PreviewResource(workbench, bodies));
        env.jersey().register(new ExplainResource(workbench));
        env.jersey().register(new io.cohort.api.OpenApiDocument(Version.of(CohortApplication.class)));
        env.jersey().register(new io.cohort.api.resources.MeResource());
        env.jersey().register(new io.cohort.api.resources.StatusResource(env.metrics(), clock, node::sweep));
        env.jersey().register(new io.cohort.api.resources.SearchResource(node.graph()));
        env.jersey().register(new io.cohort.api.resources.FieldResource(new io.cohort.analyst.FieldValues(store, env.getObjectMapper())));
        io.cohort.api.console.Console.install(env);

        env.healthChecks().register("rules", new RulesHealthCheck(rules));
        env.healthChecks().register("cluster", new HealthCheck() {
            @Override protected Result check() {
                if (!node.started()) return Result.unhealthy("catching up with the ingest log");
                if (node.feed().behind() != null) return Result.unhealthy("the graph stopped following the log: " + node.feed().behind().getMessage()
                        + "; restart this process");
                return Result.healthy("graph at batch " + node.feed().applied() + ", partitions " + node.worker().owned()
                        + ", rules " + node.rules().version() + node.activationDifference().map(d -> "; " + d).orElse("")
                        + node.partitionWarning().map(w -> "; WARNING: " + w).orElse(""));
            }
        });
        if (clock instanceof SharedManualClock shared) {
            ManualTime time = new ManualTime(jdbi, shared, cluster);
            tasks.add(env.admin(), new io.cohort.ops.ClockTask((set, advance) -> time.move(set, advance, Duration.ofMinutes(1))));
        }
        tasks.add(env.admin(), new ReloadRulesTask(rules));
        tasks.add(env.admin(), new ReevaluateTask(() -> "recorded work for everyone (" + node.reevaluate() + " people in this "
                + "node's graph) with rules " + node.rules().version() + "; the work relay publishes it and memberships change as "
                + "the workers finish"));
        tasks.add(env.admin(), new ReplayActivationTask(destinations));
        tasks.add(env.admin(), io.cohort.ops.CheckpointTask.ofNode(node::checkpoint, config.engine().snapshotFile().isPresent()));
        tasks.add(env.admin(), new io.cohort.ops.ApplyActivationsTask(node::applyActivations));
        tasks.add(env.admin(), new io.cohort.ops.SourceSyncTask(pulls.connectors(), pulls::notHere));
        env.metrics().register("cohort.cluster.graphBatch", (Gauge<Long>) () -> node.feed().applied());
        env.metrics().register("cohort.cluster.partitions", (Gauge<Integer>) () -> node.worker().owned().size());
        env.metrics().register("cohort.cluster.committedMessages", (Gauge<Long>) () -> node.worker().committedMessages());
        env.metrics().register("cohort.cluster.commits", (Gauge<Long>) () -> node.worker().commits());
        env.metrics().register("cohort.cluster.refusals", (Gauge<Long>) () -> node.worker().refusals());
        env.metrics().register("cohort.cluster.consistencyDifferences", (Gauge<Long>) () -> node.worker().consistencyDifferences());
        Endpoints.sweepGauges(env, node::sweep);
        Endpoints.graphGauges(env, node.graph());
        env.metrics().register("cohort.store.quarantined", (Gauge<Long>) store.quarantine()::count);
        env.metrics().register("cohort.rules.lastReloadFailed", (Gauge<Integer>) () -> rules.status() != null && rules.status().lastReloadFailed() ? 1 : 0);
        env.metrics().register("cohort.rules.failedLoads", (Gauge<Long>) rules::failedLoads);
        PrometheusExposition.install(env, PrometheusExposition.registry(env.metrics(), () -> {
            Map<String, Integer> sizes = new TreeMap<>();
            node.rules().segments().keySet().forEach(id -> sizes.put(id, reader.size(id)));
            return sizes;
        }, () -> destinations.status().stream().flatMap(d -> d.activations().stream()).toList()));
    }
}
