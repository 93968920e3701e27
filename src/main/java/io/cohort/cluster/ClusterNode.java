package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.ActivationBinding;
import io.cohort.engine.Budget;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.RecordParser;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import io.cohort.engine.CompileResult;
import io.cohort.engine.RuleCompiler;
import io.cohort.store.RuleSetStore;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jdbi.v3.core.Jdbi;

/**
 * One Cohort process of a cluster, without its HTTP side: the graph fed from the ingest log, a
 * share of the evaluation work (a member of the consumer group) and, when it holds the lease, the
 * relay that publishes the log's work. Start order: the graph catches up first, so the process
 * claims partitions only when it can evaluate their work.
 */
public final class ClusterNode implements Managed {
    private final ProfileGraph graph;
    private final GraphFeed feed;
    private final IngestLog log;
    private final LogSignal signal;
    private final WorkPublisher publisher;
    private final WorkRelay relay;
    private final PartitionWorker worker;
    private final ClusterClock time;
    private final ConsistencySample consistency;
    private final RuleFence fence;
    private final RuleWork ruleWork;
    private final ClusterSweeps sweeps;
    private final com.google.common.base.Supplier<java.util.Optional<io.cohort.engine.Sweep>> sweep;
    private final RuleSetStore ruleSets;
    private final RuleCompiler compiler;
    private final PollingLoop ruleFollower;
    private final Jdbi jdbi;
    private volatile RuleBook rules;
    private final ClusterConfig config;
    private final ObjectMapper mapper;
    private final List<ActivationBinding> activations;
    private final ClusterActivations activationSet;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterNode.class);
    private final java.util.function.Consumer<RuleBook> onRules;
    private volatile boolean started;
    private volatile boolean stopped;
    private final Duration eventRetention;
    private final Clock clock;
    private ClusterSnapshot snapshot;
    private StoreLoader store;
    private volatile long loadedFromStoreUpTo;
    private volatile long startedFromEntry;
    private volatile java.util.Optional<String> partitionWarning = java.util.Optional.empty();

    public ClusterNode(ClusterConfig config, Jdbi jdbi, ObjectMapper mapper, RecordParser parser, List<ActivationBinding> activations,
                       RuleBook rules, Clock clock, Duration eventRetention, Budget budget) {
        this(config, jdbi, mapper, parser, activations, rules, clock, eventRetention, budget, Duration.ofMinutes(1), Duration.ofDays(1),
                Duration.ZERO, 0, ProfileGraph.DEFAULT_STEP_TWO_LIMIT, b -> {});
    }

    /**
     * @param tick    how often time moves on for rules (engine.tick): windows closing become work
     * @param sweep   how often segments that read the time otherwise are evaluated for everyone (engine.clockSweep)
     * @param consistencyCheck how often the clock holder publishes a consistency check (engine.consistencyCheck; zero: never)
     * @param consistencySample people per check (engine.consistencySample)
     * @param stepTwoLimit what the graph's step 2 goes through (engine.stepTwoLimit, {@link ProfileGraph#stepTwoLimit()})
     * @param onRules told every rule set this process switches to (its own applies and those it follows)
     */
    public ClusterNode(ClusterConfig config, Jdbi jdbi, ObjectMapper mapper, RecordParser parser, List<ActivationBinding> activations,
                       RuleBook rules, Clock clock, Duration eventRetention, Budget budget, Duration tick, Duration sweep,
                       Duration consistencyCheck, int consistencySample, int stepTwoLimit,
                       java.util.function.Consumer<RuleBook> onRules) {
        this.graph = new ProfileGraph(stepTwoLimit);
        this.config = config;
        this.onRules = onRules;
        this.eventRetention = eventRetention;
        this.clock = clock;
        this.mapper = mapper;
        this.activations = List.copyOf(activations);
        this.fence = new RuleFence(jdbi);
        this.ruleSets = new RuleSetStore(jdbi, mapper);
        this.compiler = new RuleCompiler(clock);
        this.ruleFollower = new PollingLoop("cohort-rule-follower", 500, this::followRules);
        this.jdbi = jdbi;
        this.rules = rules;
        this.log = new IngestLog(jdbi, mapper);
        this.feed = new GraphFeed(log, graph, parser, new io.cohort.store.Quarantine(jdbi),
                () -> this.rules.shape().depth(), 100_000, config.logPoll().toMilliseconds());
        this.publisher = new WorkPublisher(config);
        this.ruleWork = new RuleWork(mapper);
        this.sweeps = new ClusterSweeps(jdbi, mapper);
        this.sweep = com.google.common.base.Suppliers.memoizeWithExpiration(() -> sweeps.current(this.rules.segments().keySet()),
                java.time.Duration.ofSeconds(1));
        this.relay = new WorkRelay(jdbi, log, feed, graph, publisher, ruleWork, sweeps, config.nodeId(), config.leaseDuration().toMilliseconds(),
                Clock.systemUTC(), Math.min(config.logPoll().toMilliseconds(), config.leaseDuration().toMilliseconds() / 3),
                config.logRetention().toMilliseconds(), clock);
        // An append anywhere wakes this process's feed; entries it applies wake the relay (if it holds the lease).
        this.signal = new LogSignal(jdbi);
        signal.onAppend(feed::wake);
        feed.whenApplied(relay::wake);
        this.consistency = new ConsistencySample(jdbi, graph, publisher, clock, () -> this.rules);
        this.time = new ClusterClock(jdbi, feed, graph, publisher, sweeps, config.nodeId(), config.leaseDuration().toMilliseconds(), clock,
                Clock.systemUTC(), () -> this.rules, eventRetention, tick.toMillis(), sweep.toMillis(), consistency,
                consistencySample > 0 ? consistencyCheck.toMillis() : 0, consistencySample);
        this.activationSet = new ClusterActivations(jdbi, mapper);
        this.worker = new PartitionWorker(config, jdbi, mapper, activationSet::current, graph, feed::applied, rules, clock, eventRetention,
                budget);
    }

    @Override public void start() throws Exception {
        // The first process of a new cluster applies its rule set; later ones wait to have the cluster's.
        if (fence.applied().isEmpty()) {
            long now = System.currentTimeMillis();
            jdbi.useTransaction(h -> {
                fence.lock(h);
                // Two first processes at once: the second finds the first's version and follows it.
                if (h.createQuery("SELECT COUNT(*) FROM cluster_rules").mapTo(Integer.class).one() > 0) return;
                ruleSets.save(h, rules.version(), rules.files(), now);
                fence.apply(h, rules.version(), now);
            });
        }
        keyWork(createTopic());
        loadGraph();
        if (PartitionLedger.numberAfterStored(jdbi)) {
            LOG.info("{}: the change feed holds numbers single mode gave; the cluster's number on after them", config.nodeId());
        }
        adoptActivations();
        signal.start();
        feed.start();
        relay.start();
        worker.start();
        ruleFollower.start();
        time.start();
        started = true;
        startCheckpoints();
    }

    /**
     * Brings the graph up to the log's end: from the snapshot if it is of this log, the store for
     * what the log no longer holds (retention, or batches single mode stored), then the log.
     */
    private void loadGraph() {
        // Batches single mode stored (a database it filled, or used between two periods of cluster
        // mode) never went through the log, which now starts after them.
        long logEnd = log.last();
        boolean converted = store != null && store.lastBatch() > logEnd
                && log.beginAfter(store.lastBatch(), System.currentTimeMillis());
        if (converted) {
            // Their batches were never published: the relay publishes everyone once for them (WorkRelay).
            LOG.info("{}: this database holds batches {} to {} stored in single mode; the ingest log starts after them, and "
                    + "everyone is evaluated once with the cluster's rules", config.nodeId(), logEnd + 1, log.first() - 1);
        }
        long horizon = clock.millis() - eventRetention.toMillis();
        long from = snapshot == null ? 0 : snapshot.read(graph, horizon);
        startedFromEntry = from;
        for (int attempt = 1; ; attempt++) {
            long first = log.first();
            if (first > from + 1) {
                // The log no longer holds the entries after the graph's (cluster.logRetention): the store has their records.
                if (store == null) {
                    throw new IllegalStateException("the ingest log starts at entry " + first + " and this process has no store "
                            + "to load the entries before it from");
                }
                graph.clear();
                from = first - 1;
                long n = store.load(graph, from, java.time.Instant.ofEpochMilli(horizon));
                loadedFromStoreUpTo = from;
                LOG.info("{}: the ingest log starts at entry {}: {} stored records of the entries up to {} loaded from the store",
                        config.nodeId(), first, n, from);
            }
            feed.startAfter(from);
            try {
                feed.catchUp();
                break;
            } catch (GraphFeed.Truncated t) {
                // Deleted while this start loaded: once more from the store, up to the new first entry.
                if (attempt == 3) throw t;
                LOG.info("{}: {}; loading again", config.nodeId(), t.getMessage());
                from = 0;
            }
        }
    }

    /** The cluster's activations (the first process's, or those an operator applied); new ones get their segments' members. */
    private void adoptActivations() {
        List<ActivationBinding> cluster = activationSet.adopt(activations, config.nodeId(), System.currentTimeMillis());
        activationSet.difference(activations).ifPresent(d -> LOG.warn("{}: {}", config.nodeId(), d));
        List<String> registered = ActivationSeeding.seed(jdbi, mapper, cluster, graph, System.currentTimeMillis());
        if (!registered.isEmpty()) LOG.info("{}: new activations {} receive their segments' current members", config.nodeId(), registered);
    }

    /**
     * Reads the graph from {@code snapshot} at start when it is of this log, and writes it there
     * at a clean stop (engine.snapshotFile). Before {@link #start()}.
     */
    public void useSnapshot(ClusterSnapshot snapshot) {
        if (started) throw new IllegalStateException("the node has started");
        this.snapshot = snapshot;
    }

    /** The store under the log: its records, each with the number of the batch that wrote it. */
    public interface StoreLoader {
        /** Loads the stored records of batches up to {@code upTo} into a graph (Pipeline.loadInto); returns how many. */
        long load(ProfileGraph graph, long upTo, java.time.Instant eventHorizon);

        /** The newest batch the store holds (RecordStore); 0 when empty. */
        long lastBatch();
    }

    /** engine.ownConditionsFirst for this process's worker (on unless told otherwise). */
    public void ownConditionsFirst(boolean on) { worker.ownConditionsFirst(on); }

    /**
     * Where a start gets the records of log entries that cluster.logRetention deleted: the store,
     * which holds every current record with the number of the entry that wrote it. Before {@link #start()}.
     */
    public void useStore(StoreLoader store) {
        if (started) throw new IllegalStateException("the node has started");
        this.store = store;
    }

    /** The log entry up to which the start loaded the store (the log no longer held them); 0 when it did not. */
    public long loadedFromStoreUpTo() { return loadedFromStoreUpTo; }

    /** The ingest log entry the graph was read from a snapshot at, at start; 0 when the whole log was replayed. */
    public long startedFromEntry() { return startedFromEntry; }

    /**
     * Makes this process's activations (config.yml) the cluster's: from the next commit on every
     * worker writes outbox rows for these, and new ones receive their segments' current members.
     * Returns a line for the operator.
     */
    public String applyActivations() {
        List<ActivationBinding> before = activationSet.apply(activations, config.nodeId(), System.currentTimeMillis());
        List<String> registered = ActivationSeeding.seed(jdbi, mapper, activations, graph, System.currentTimeMillis());
        LOG.info("{}: the cluster's activations are now this process's {} (were {}); new: {}", config.nodeId(),
                activations.stream().map(ActivationBinding::id).toList(), before.stream().map(ActivationBinding::id).toList(), registered);
        return "the cluster's activations are now " + activations.stream().map(ActivationBinding::id).sorted().toList()
                + " (were " + before.stream().map(ActivationBinding::id).sorted().toList() + "); receiving their segments' members: " + registered;
    }

    /** How this process's activations differ from the cluster's; empty when they do not. */
    public java.util.Optional<String> activationDifference() { return activationSet.difference(activations); }

    /** True once the graph caught up with the log and the worker runs (the read side may serve). */
    public boolean started() { return started; }

    /** How often the graph snapshot is also written while running (engine.checkpointInterval); 0: only at a clean stop. */
    private java.time.Duration checkpointInterval = java.time.Duration.ZERO;
    private java.util.concurrent.ScheduledExecutorService checkpoints;

    /** Writes the snapshot every {@code interval} while running (engine.snapshotFile set). Before {@link #start()}. */
    public void checkpointEvery(java.time.Duration interval) {
        if (started) throw new IllegalStateException("the node has started");
        this.checkpointInterval = interval;
    }

    /**
     * Writes the graph snapshot now, with the feed still while it is encoded (appends go on in
     * PostgreSQL and are applied after): a crash restarts from it and replays only later log
     * entries, which cluster.logRetention may otherwise have deleted. Returns what it did; empty
     * without a snapshot file (engine.snapshotFile) or before the node started.
     */
    public java.util.Optional<String> checkpoint() {
        // Not once stopping: the stop writes its own snapshot of the stilled graph.
        if (snapshot == null || !started || stopped) return java.util.Optional.empty();
        var commit = new java.util.concurrent.atomic.AtomicReference<java.util.function.Supplier<String>>();
        feed.still(applied -> commit.set(snapshot.encode(graph, applied)));
        // Made durable with the feed applying entries again: only the encoding needs the graph still.
        return java.util.Optional.ofNullable(commit.get()).map(java.util.function.Supplier::get);
    }

    private void startCheckpoints() {
        if (snapshot == null || checkpointInterval.isZero() || checkpointInterval.isNegative()) return;
        checkpoints = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cohort-checkpoint");
            t.setDaemon(true);
            return t;
        });
        long ms = checkpointInterval.toMillis();
        // ClusterSnapshot.write never throws: a failed write is logged and tried again at the next interval.
        checkpoints.scheduleWithFixedDelay(this::checkpoint, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override public void stop() throws Exception {
        if (stopped) return; // a second stop would write the snapshot again, of a graph no longer following the log
        stopped = true;
        if (checkpoints != null) {
            // A write in progress finishes (the stop's own snapshot is of a later entry, or kept).
            checkpoints.shutdown();
            checkpoints.awaitTermination(5, TimeUnit.MINUTES);
        }
        started = false;
        time.stop();
        ruleFollower.stop();
        worker.stop();
        relay.stop();
        signal.stop();
        feed.stop();
        // The feed is still: the graph holds exactly the log up to feed.applied().
        if (snapshot != null) snapshot.write(graph, feed.applied());
        publisher.close();
    }

    /** Creates the work topic with cluster.partitions partitions unless it exists (then it is left as it is); returns how many it has. */
    private int createTopic() throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            try {
                admin.createTopics(List.of(new NewTopic(config.topic(), java.util.Optional.of(config.partitions()), java.util.Optional.empty())))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
            return admin.describeTopics(List.of(config.topic())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(config.topic()).partitions().size();
        }
    }

    /** Keys work to the partitions the cluster recorded (the first process records the topic's). */
    private void keyWork(int found) {
        int recorded = TopicPartitions.settle(jdbi, config.topic(), found, config.nodeId(), System.currentTimeMillis());
        partitionWarning = TopicPartitions.check(config.topic(), recorded, found, config.partitions());
        partitionWarning.ifPresent(w -> LOG.warn("{}: {}", config.nodeId(), w));
        publisher.keyTo(recorded);
    }

    /** What this process's start found wrong with the work topic's partitions (the cluster health check says it); empty when nothing. */
    public java.util.Optional<String> partitionWarning() { return partitionWarning; }

    /**
     * Applies a rule set to the whole cluster: compiled here (a file with an error refuses it and
     * changes nothing), then in one transaction stored (rule_set), made the cluster's version (every
     * commit from now on must be computed with it), and the evaluation of everyone with it recorded
     * ({@link RuleWork}), which the work relay publishes. Other processes load the rules from the
     * store within a second ({@link #followRules}); until then their commits are refused and their
     * work waits.
     *
     * @throws IllegalArgumentException naming the errors, when the files do not compile
     */
    public RuleBook applyRules(Map<String, String> files) {
        CompileResult result = compiler.compile(files);
        RuleBook book = result.ruleBook().orElseThrow(() -> new IllegalArgumentException("rules not applied: " + result.errors()));
        return applyRules(book);
    }

    /** Like {@link #applyRules(Map)}, for a rule set already compiled from its files (the service's rule reload). */
    public RuleBook applyRules(RuleBook book) {
        if (fence.applied().filter(book.version()::equals).isPresent() && rules.version().equals(book.version())) {
            return rules; // the cluster runs these very rules already (a reload of an unchanged directory): nothing to redo
        }
        long now = System.currentTimeMillis();
        RuleBook before = rules;
        Optional<Set<String>> changed = jdbi.inTransaction(h -> {
            fence.lock(h);
            // Only the segments that differ from the applied rules' are evaluated again, when this
            // process runs those rules (it knows what they were); otherwise every segment.
            boolean knowsApplied = fence.applied(h).filter(before.version()::equals).isPresent();
            Optional<Set<String>> segments = knowsApplied ? Optional.of(changedSegments(before, book)) : Optional.<Set<String>>empty();
            ruleSets.save(h, book.version(), book.files(), now);
            fence.apply(h, book.version(), now);
            // In the same transaction: once the version is the cluster's, its work cannot be lost.
            if (segments.isEmpty() || !segments.get().isEmpty()) ruleWork.record(h, book.version(), segments, now, WorkCause.RULES);
            return segments;
        });
        use(book);
        if (changed.isPresent() && changed.get().isEmpty()) {
            LOG.info("{}: rules {} applied; no segment's rules changed, nothing to evaluate", config.nodeId(), book.version());
            return book;
        }
        LOG.info("{}: rules {} applied; {} to be evaluated again for everyone (the work relay publishes it)", config.nodeId(),
                book.version(), changed.map(Object::toString).orElse("every segment"));
        relay.wake();
        return book;
    }

    /**
     * Segments whose rules differ between two rule sets, and those either one lacks (a segment
     * removed exits its members when they are evaluated).
     */
    static Set<String> changedSegments(RuleBook before, RuleBook after) {
        Set<String> out = new TreeSet<>();
        after.signatures().forEach((seg, sig) -> { if (!sig.equals(before.signatures().get(seg))) out.add(seg); });
        before.signatures().keySet().forEach(seg -> { if (!after.signatures().containsKey(seg)) out.add(seg); });
        return out;
    }

    /**
     * The re-evaluate task of cluster mode: records work for everyone (people of the graph and stored
     * members, every segment), which the work relay publishes and the workers evaluate with the
     * applied rules, writing only what differs from the stored memberships. Recorded rather than
     * published from here, like a rule edit's work: this process may be the one that cannot reach
     * Kafka. Returns the people this process's graph holds (the relay adds stored members it lacks).
     */
    public int reevaluate() {
        long now = System.currentTimeMillis();
        jdbi.useTransaction(h -> {
            fence.lock(h);
            ruleWork.record(h, fence.applied(h).orElse(rules.version()), Optional.empty(), now, WorkCause.REEVALUATE);
        });
        relay.wake();
        return graph.personCount();
    }

    /**
     * A consistency check now (the clock holder runs one every engine.consistencyCheck): work for a
     * random sample of {@code size} people, evaluated afresh by the workers, which correct and count
     * what differs ({@link PartitionWorker#consistencyDifferences()}). Returns how many were published.
     */
    public int consistencyCheck(int size) { return consistency.publish(size); }

    /** This process's producer of work messages (tests close it: Kafka unreachable from this process alone). */
    WorkPublisher publisher() { return publisher; }

    /** Loads the rule set the cluster applied, when it is not the one this process runs. */
    private void followRules() {
        Optional<String> applied = fence.applied();
        if (applied.isEmpty() || applied.get().equals(rules.version())) return;
        Optional<Map<String, String>> files = ruleSets.lastApplied();
        if (files.isEmpty()) return;
        CompileResult result = compiler.compile(files.get());
        // A newer apply may have replaced the files meanwhile: the next round compiles those.
        result.ruleBook().filter(b -> b.version().equals(applied.get())).ifPresent(this::use);
    }

    private void use(RuleBook book) {
        rules = book;
        worker.useRules(book);
        onRules.accept(book);
    }

    /** This process's profile graph, fed from the ingest log (the read side answers from it). */
    public ProfileGraph graph() { return graph; }

    /** The rule set this process evaluates with. */
    public RuleBook rules() { return rules; }

    /**
     * The cluster's sweep in progress (every node's workers' share of it), for the API and metrics;
     * read from PostgreSQL at most once a second, however many ask.
     */
    public java.util.Optional<io.cohort.engine.Sweep> sweep() { return sweep.get(); }


    public PartitionWorker worker() { return worker; }

    public GraphFeed feed() { return feed; }
}
