package io.cohort;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.analyst.FieldValues;
import io.cohort.analyst.Workbench;
import io.cohort.api.JsonBodies;
import io.cohort.audience.ActivationBinding;
import io.cohort.audience.AudienceLedger;
import io.cohort.audience.MembershipReader;
import io.cohort.audience.SegmentHistory;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.Destinations;
import io.cohort.destination.OutboxStore;
import io.cohort.destination.ThreadPools;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.CompiledRuleSets;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuleWatcher;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.RecordParser;
import io.cohort.ingest.pull.Connectors;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ops.InstanceLockHealthCheck;
import io.cohort.ops.Startup;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.CursorStore;
import io.cohort.store.Durability;
import io.cohort.store.InstanceLock;
import io.cohort.store.Migrations;
import io.cohort.store.Pools;
import io.cohort.store.RecordStore;
import io.cohort.store.RuleSetStore;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.VendorHttp;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.jdbi3.JdbiFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Cohort's stages from config.yml, in the data's order — records → store → profiles →
 * rule sessions → memberships → outbox → destinations — for the service and the commands alike,
 * so each is built one way. The service takes all of it ({@link #service}); {@code import} the
 * store and the write path without evaluation; {@code evaluate} the parser and the rules, no
 * database. Builds objects only: what it registers with the service's lifecycle is registered in
 * the order the service must stop in reverse (destinations before the database, the graph
 * snapshot before the connection pool closes).
 */
public final class Wiring {
    private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

    private final CohortConfiguration config;
    private final ObjectMapper json;
    private final MetricRegistry metrics;
    private final Clock clock;
    private final CompiledRuleSets compiled;

    /**
     * @param json    the service's (or the command's) object mapper: stored records and rule sets
     * @param metrics where the stages register their metrics
     * @param clock   rule time ({@link #ruleClock}); vendor budgets and retries always use UTC wall time
     */
    public Wiring(CohortConfiguration config, ObjectMapper json, MetricRegistry metrics, Clock clock) {
        this(config, json, metrics, clock, new CompiledRuleSets());
    }

    /** @param compiled the rule sets the application compiled before ({@link CompiledRuleSets}) */
    public Wiring(CohortConfiguration config, ObjectMapper json, MetricRegistry metrics, Clock clock, CompiledRuleSets compiled) {
        this.config = config;
        this.json = json;
        this.metrics = metrics;
        this.clock = clock;
        this.compiled = compiled;
    }

    /** Rule time: a manual clock (engine.manualClock, for demos and tests), else UTC. */
    public static Clock ruleClock(CohortConfiguration config) {
        if (!config.engine().manualClock()) return Clock.systemUTC();
        Instant start = config.engine().manualClockStart();
        return new ManualClock(start == null ? Instant.now() : start);
    }

    public Clock clock() { return clock; }

    // --- records ---

    /** Validation of canonical records (config key ingest). */
    public RecordParser parser() { return new RecordParser(config.ingestLimits()).refusingFutureEvents(clock); }

    /** Reading of request bodies and record files within the same limits. */
    public JsonBodies bodies() { return new JsonBodies(config.ingestLimits()); }

    // --- store ---

    /** A command's own connection to the configured database, migrated first when migrateOnStart. */
    public Database database(String name) throws Exception {
        ManagedDataSource ds = Pools.build(config.database(), metrics, name);
        try {
            if (config.migrateOnStart()) Migrations.migrate(ds);
        } catch (Exception | Error e) {
            ds.stop();
            throw e;
        }
        return new Database(ds, Jdbi.create(ds));
    }

    /** A command's database: closed by {@link #close()}, so try-with-resources frees it on any exit. */
    public record Database(ManagedDataSource dataSource, Jdbi jdbi) implements AutoCloseable {
        @Override public void close() throws Exception { dataSource.stop(); }
    }

    public RecordStore store(Jdbi jdbi) { return new RecordStore(jdbi, json); }

    /**
     * The write path of an offline bulk load: validated and stored like the API, not evaluated (the
     * service evaluates what is stored when it starts).
     */
    public Pipeline pipelineWithoutEvaluation(RecordStore store) {
        return Pipeline.withoutEvaluation(config.sources(), parser(), store, new ProfileGraph(config.engine().stepTwoLimit()), Clock.systemUTC(),
                metrics);
    }

    // --- rule sessions ---

    /** The rules of {@code directory}, compiled against rule time; {@code lastGood} keeps the last set that compiled. */
    public RuleService rules(Path directory, RuleService.LastGood lastGood) {
        return new RuleService(directory, new RuleCompiler(clock, compiled), clock, lastGood);
    }

    /** How long events stay facts (engine.eventRetention). */
    public Duration eventRetention() { return Duration.ofMillis(config.engine().eventRetention().toMilliseconds()); }

    // --- memberships ---

    /** The activations of config.yml, as the membership ledger writes them to the outbox. */
    public List<ActivationBinding> activationBindings() {
        return config.activations().stream().map(a -> new ActivationBinding(a.getId(), a.getSegment(), a.getDestination())).toList();
    }

    // --- the service ---

    /**
     * Everything the server runs, built and registered with the environment's lifecycle. The order
     * of registration is the reverse of the stop order, and that matters: the connection pool first
     * (closed last), then the destinations' pools, evaluator, destinations, start-up (which writes
     * the graph snapshot on stop), the connectors (stopped before it, so the snapshot holds their
     * last batches) and the analysts' workbench.
     */
    public Stages service(Environment env) throws Exception {
        // store
        config.database().setUrl(Durability.durableUrl(config.database().getUrl()));
        Durability.unsafeCollector(config.database().getUrl(), java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()
                .stream().map(java.lang.management.GarbageCollectorMXBean::getName).toList()).ifPresent(why -> {
                    throw new IllegalStateException("refusing to start: " + why);
                });
        Durability.h2File(config.database().getUrl()).ifPresent(file -> io.cohort.ops.DatabaseDiskCheck.register(env, file));
        if (Durability.delaysWrites(config.database().getUrl())) {
            LOG.warn("database.url sets H2's WRITE_DELAY: batches acknowledged within that delay are lost if the process dies");
        }
        // One single-mode process per database (batches are numbered in memory): taken before
        // anything is written, let go after the pool closes (managed first: stopped last).
        InstanceLock.forService(config.database(), InstanceLock.Kind.EXCLUSIVE, "single-mode service", config.cluster().instanceLockWait())
                .ifPresent(lock -> InstanceLockHealthCheck.holdForLife(env, lock));
        // Migrated through the service's own pool. A pool of its own for the migration, closed
        // after it, closed an embedded H2 database with its last connection, and the service then
        // opened it again: two opens and a close of the file, seconds before the ports at 1M.
        ManagedDataSource dataSource = Pools.build(config.database(), env.metrics(), "database");
        Jdbi jdbi = new JdbiFactory().build(env, config.database(), dataSource, "database");
        // rule sessions: the first compile runs beside the migration (the last good set is read after it)
        RuleService rules = rules(Path.of(config.engine().rulesDirectory()), lastGoodRules(new RuleSetStore(jdbi, json)))
                .compileAhead();
        if (config.migrateOnStart()) Migrations.migrate(dataSource);
        RecordStore store = store(jdbi);
        // profiles
        ProfileGraph graph = new ProfileGraph(config.engine().stepTwoLimit());
        // outbox → destinations, built before the memberships: a committed change wakes its dispatcher.
        // One outbound HTTP client and one registry of vendor call budgets, shared by destinations and sources.
        VendorHttp vendorHttp = VendorHttp.build(config.httpClient(), env);
        CallLimits callLimits = new CallLimits(metrics, Clock.systemUTC());
        Destinations destinations = new Destinations(config.destinations(), config.activations(), config.dispatcher(), jdbi,
                new DestinationContext(json, vendorHttp, metrics, Clock.systemUTC(), callLimits, pools(env)));
        // memberships
        AudienceLedger ledger = new AudienceLedger(jdbi, json, activationBindings(), destinations::wakeUp,
                id -> graph.person(id).map(u -> new PersonSnapshot(id, u.person().email(), u.person().emailOptOut(), u.identities())));
        Evaluator evaluator = new Evaluator(graph, ledger, clock, config.engine());
        // records → store → profiles → evaluator, one batch at a time
        Pipeline pipeline = new Pipeline(config.sources(), parser(), store, graph, evaluator, clock, metrics);

        RuleBook initial = rules.initial();
        evaluator.prepare(initial);
        // The ports open at once; the graph loads and the engine catches up behind them (Startup).
        Startup startup = new Startup(pipeline, store, evaluator, rules, initial, ledger, clock, eventRetention(),
                config.engine().snapshotFile(), graph, Duration.ofMillis(config.engine().checkpointInterval().toMilliseconds()));
        // Stopped after the engine (lifecycles stop in reverse): the memberships' copy is of its last round.
        env.lifecycle().manage(startup.membershipCopyAtStop());
        env.lifecycle().manage(evaluator);
        env.lifecycle().manage(destinations);
        env.lifecycle().manage(startup);
        warnAboutUnknownSegments(initial);
        if (config.engine().watchRules()) {
            startup.thenStart(new RuleWatcher(rules, config.engine().watchInterval().toMilliseconds()));
        }

        // Source connectors (docs/sources.md) write through the pipeline like POST …/records, with their cursors.
        // The destinations' HTTP client and call budgets: a Marketo source and destination of one instance share one budget.
        Connectors connectors = new Connectors(config.sources(),
                PullContext.factory(config.sources(), (s, r, c) -> pipeline.ingestWithCursor(s, r, c).batch(),
                        new CursorStore(jdbi), store::keys, config.ingestLimits(), callLimits, vendorHttp, env), Clock.systemUTC(),
                name -> env.lifecycle().executorService(name.replace("%", "%%")).minThreads(1).maxThreads(1).build());
        env.lifecycle().manage(connectors);
        // Analysts' preview and explain: throw-away evaluations over the live graph, applying nothing.
        Workbench workbench = new Workbench(graph, rules, evaluator::ruleBook, clock, eventRetention(),
                Duration.ofMillis(config.engine().previewTimeout().toMilliseconds()), config.engine().budget());
        env.lifecycle().manage(workbench);

        return new Stages(pipeline, store, graph, rules, evaluator, ledger, destinations, startup, connectors, workbench,
                new MembershipReader(jdbi), new SegmentHistory(jdbi), new OutboxStore(jdbi), new FieldValues(store, json),
                clock, eventRetention());
    }

    /** Named, measured thread pools that the service's lifecycle stops after the stage that made them. */
    private static ThreadPools pools(Environment env) {
        return (name, threads) -> env.lifecycle().executorService(name + "-%d").minThreads(threads).maxThreads(threads).build();
    }

    private void warnAboutUnknownSegments(RuleBook book) {
        config.activations().stream().filter(a -> book.segment(a.getSegment()).isEmpty())
                .forEach(a -> LOG.warn("activation '{}' names segment '{}', which no rule declares (yet)", a.getId(), a.getSegment()));
    }

    private static RuleService.LastGood lastGoodRules(RuleSetStore store) {
        return new RuleService.LastGood() {
            @Override public void save(String version, Map<String, String> files, long at) { store.save(version, files, at); }

            @Override public Optional<Map<String, String>> load() { return store.lastApplied(); }
        };
    }

    /**
     * The running service's stages, in the data's order, and the read sides the API serves from.
     * Tests reach the running app through these.
     */
    public record Stages(Pipeline pipeline, RecordStore store, ProfileGraph graph, RuleService rules, Evaluator evaluator,
                         AudienceLedger ledger, Destinations destinations, Startup startup, Connectors connectors,
                         Workbench workbench, MembershipReader memberships, SegmentHistory history, OutboxStore outbox,
                         FieldValues fieldValues, Clock clock, Duration eventRetention) {}
}
