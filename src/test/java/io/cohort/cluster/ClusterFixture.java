package io.cohort.cluster;

import io.cohort.audience.ActivationBinding;
import io.cohort.engine.Budget;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.RecordParser;
import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import io.cohort.reliability.CohortProcess;
import io.cohort.reliability.FreshEvaluation;
import io.dropwizard.jackson.Jackson;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jdbi.v3.core.Jdbi;

/**
 * What the cluster tests share: an embedded KRaft broker (Kafka's test kit), an embedded
 * PostgreSQL with Cohort's schema, the shipped rules plus the reliability probes, the
 * configuration of a {@code server} process in cluster mode, and readers of what the workers
 * committed.
 *
 * <p>The broker and the PostgreSQL server start once per test JVM (each costs seconds on this
 * machine) and stop when it exits; every fixture gets a database and a topic of its own, so
 * test classes see none of each other's rows, partitions, leases or consumer groups.
 */
final class ClusterFixture implements AutoCloseable {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final Duration RETENTION = Duration.ofDays(90);
    /** Every probe segment goes to a destination, so the outbox is written too. */
    static final List<ActivationBinding> ACTIVATIONS = List.of(
            new ActivationBinding("events-to-marketo", "probe-events", "marketo"),
            new ActivationBinding("deal-to-marketo", "probe-deal", "marketo"));

    /** A rule that throws at run time for every person (a condition reading past the end of an id). */
    static final String THROWING_RULE = """
            package cohort.segments;
            import io.cohort.model.*;
            rule "ids past the 1000th character"
                @segment("broken-ids")
            when
                $p : Person(id.substring(1000).isEmpty())
            then
                insertLogical(new Qualified("broken-ids", $p.id()));
            end
            """;

    private static EmbeddedPostgres sharedPg;
    private static EmbeddedKafka sharedKafka;
    private static int databases;

    final EmbeddedPostgres pg;
    final EmbeddedKafka kafka;
    /** This fixture's own database on the shared server. */
    final String database;
    /** Pooled as the service's is: the plain data source opens a connection (a PostgreSQL backend) per handle. */
    private final io.dropwizard.db.ManagedDataSource pool;
    final Jdbi jdbi;
    final ManualClock clock = new ManualClock(NOW);
    final RuleBook book;
    final String topic;
    final int partitions;

    ClusterFixture(Path rulesDir, String topic, int partitions) throws Exception {
        this.topic = topic;
        this.partitions = partitions;
        synchronized (ClusterFixture.class) {
            if (sharedPg == null) startShared();
            pg = sharedPg;
            kafka = sharedKafka;
            database = "cluster_" + (++databases);
        }
        io.cohort.store.MigratedTemplates.postgres(pg, database); // a copy of a migrated template
        io.dropwizard.db.DataSourceFactory db = new io.dropwizard.db.DataSourceFactory();
        db.setDriverClass("org.postgresql.Driver");
        db.setUrl(pg.getJdbcUrl("postgres", database));
        db.setUser("postgres");
        db.setMaxSize(32);
        pool = io.cohort.store.Pools.build(db, new com.codahale.metrics.MetricRegistry(), database);
        jdbi = Jdbi.create(pool);
        kafka.createTopic(topic, partitions);
        copyRules(rulesDir);
        book = FreshEvaluation.compile(rulesDir, clock);
        new RuleFence(jdbi).apply(book.version(), clock.millis());
    }

    private static void startShared() throws Exception {
        sharedPg = EmbeddedPostgres.builder().start();
        sharedKafka = EmbeddedKafka.start();
        EmbeddedPostgres pgToStop = sharedPg;
        EmbeddedKafka kafkaToStop = sharedKafka;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (pgToStop; kafkaToStop) {
                // closed by try-with-resources, the broker first
            } catch (Exception ignored) {
                // the JVM is exiting
            }
        }, "cluster-fixture-stop"));
    }

    /** The shipped rules plus the reliability probes, into {@code dir}. */
    static void copyRules(Path dir) throws java.io.IOException {
        CohortApp.copyRules(Path.of("rules"), dir);
        Files.copy(Path.of("src/test/resources/reliability/rules/probes.drl"), dir.resolve("probes.drl"));
    }

    /** JDBC URL of this fixture's database, for processes. */
    String jdbcUrl() { return pg.getJdbcUrl("postgres", database); }

    /** The consumer group of in-JVM nodes and worker processes: one per topic, so classes never share one. */
    static String groupId(String topic) { return "cohort-test-" + topic; }

    ClusterConfig config(String node) {
        return new ClusterConfig().mode("kafka").bootstrapServers(kafka.bootstrapServers()).topic(topic)
                .partitions(partitions).groupId(groupId(topic)).nodeId(node);
    }

    /**
     * A Cohort {@code server} process in cluster mode on this fixture's database and topic, in
     * {@code dir} (its config.yml, rules and log), with the generic sources the random records use
     * and the manual clock at {@link #NOW}. {@code clusterKeys} are added to its {@code cluster:}
     * block; {@code extra} holds more top-level keys (destinations, activations…).
     */
    CohortProcess node(Path dir, String groupId, String nodeId, String clusterKeys, String extra) throws Exception {
        return node(dir, groupId, nodeId, clusterKeys, "{crm-1: {type: generic}, marketo-1: {type: generic}, mdm: {type: generic}}", extra);
    }

    /** Like {@link #node(Path, String, String, String, String)} with these {@code sources:} (a YAML flow map), e.g. pulled ones. */
    CohortProcess node(Path dir, String groupId, String nodeId, String clusterKeys, String sources, String extra) throws Exception {
        Files.createDirectories(dir);
        Path rules = dir.resolve("rules");
        copyRules(rules);
        return CohortProcess.configured(dir, jdbcUrl(), """
                database: {driverClass: org.postgresql.Driver, url: "%s", user: postgres, password: postgres}
                sources: %s
                engine: {rulesDirectory: "%s", watchRules: false, manualClock: true, manualClockStart: "%s"}
                cluster: {mode: kafka, bootstrapServers: "%s", topic: %s, partitions: %d, groupId: %s, nodeId: %s%s}
                auth:
                  tokens: [{name: all, token: %s, roles: [ingest, analyst, reader, operator]}]
                """.formatted(jdbcUrl(), sources, rules.toAbsolutePath(), NOW, kafka.bootstrapServers(), topic, partitions, groupId, nodeId,
                clusterKeys.isEmpty() ? "" : ", " + clusterKeys, CohortApp.TOKEN) + extra);
    }

    /** A membership lost outside the engine (a restored backup, a hand edit): its row and its feed rows deleted. */
    void lose(Qualified q) {
        jdbi.useHandle(h -> {
            h.execute("DELETE FROM membership WHERE segment_id = ? AND person_id = ?", q.segmentId(), q.personId());
            h.execute("DELETE FROM membership_change WHERE segment_id = ? AND person_id = ?", q.segmentId(), q.personId());
        });
    }

    /** An in-JVM node named {@code name} with this fixture's rules, clock and defaults, started. */
    ClusterNode startNode(String name, io.cohort.ingest.RecordParser parser) throws Exception {
        ClusterNode n = new ClusterNode(config(name), jdbi, Jackson.newObjectMapper(), parser, ACTIVATIONS, book, clock, RETENTION,
                Budget.DEFAULT);
        n.start();
        return n;
    }

    /** Appends {@code batches} batches of {@code gen} to the ingest log, parsed as the service parses them. */
    static void append(IngestLog log, io.cohort.ingest.RecordParser parser, io.cohort.reliability.RandomRecords gen, int batches) {
        for (int i = 0; i < batches; i++) {
            io.cohort.reliability.RandomRecords.Batch b = gen.next();
            List<com.fasterxml.jackson.databind.JsonNode> records = new ArrayList<>(b.records());
            parser.parse(records);
            log.append(b.source(), records, System.currentTimeMillis());
        }
    }

    /** Waits until each node owns partitions: otherwise the first to join may do all the work. */
    static void awaitEachOwnsPartitions(List<ClusterNode> nodes) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (nodes.stream().anyMatch(n -> n.worker().owned().isEmpty())) {
            if (System.nanoTime() > until) throw new AssertionError("not every process owns partitions");
            Thread.sleep(50);
        }
    }

    /** A new graph of the whole ingest log, replayed the way every node's feed does it. */
    ProfileGraph replay(io.cohort.ingest.RecordParser parser) {
        ProfileGraph graph = new ProfileGraph();
        new GraphFeed(new IngestLog(jdbi, Jackson.newObjectMapper()), graph, parser, new io.cohort.store.Quarantine(jdbi),
                () -> book.shape().depth(), 10, 50).catchUp();
        return graph;
    }

    /** Waits until the relay published the work of every batch up to {@code last}. */
    void awaitPublished(long last, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        RuleWork ruleWork = new RuleWork(Jackson.newObjectMapper());
        // The work rule applies owe goes through the relay too: published means none of it is left.
        while (WorkRelay.publishedUpTo(jdbi) < last || ruleWork.pending(jdbi).isPresent()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the relay did not publish up to batch " + last + " (or a rule apply's work is still pending)");
            }
            Thread.sleep(50);
        }
    }

    PartitionWorker worker(String node, ProfileGraph graph, LongSupplier applied) { return worker(node, graph, applied, jdbi); }

    /** A worker that reaches this fixture's database through {@code through} (a connection source a test can cut). */
    PartitionWorker worker(String node, ProfileGraph graph, LongSupplier applied, Jdbi through) {
        return new PartitionWorker(config(node), through, Jackson.newObjectMapper(), h -> ACTIVATIONS, graph, applied, book, clock,
                RETENTION, Budget.DEFAULT);
    }

    /** The pool this fixture's {@link #jdbi} takes its connections from. */
    javax.sql.DataSource pool() { return pool; }

    /** Waits until every partition's stored offset reached the end of the topic; false on timeout. */
    boolean awaitCaughtUp(Duration timeout) throws InterruptedException { return awaitCaughtUp(topic, partitions, timeout); }

    boolean awaitCaughtUp(String topic, int partitions, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        Map<Integer, Long> ends = endOffsets(topic, partitions);
        PartitionClaims claims = new PartitionClaims(jdbi, topic);
        while (System.nanoTime() < until) {
            if (claims.caughtUp(ends)) return true;
            Thread.sleep(100);
        }
        return false;
    }

    Map<Integer, Long> endOffsets() { return endOffsets(topic, partitions); }

    Map<Integer, Long> endOffsets(String topic, int partitions) {
        try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(), new LongDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            Map<Integer, Long> out = new TreeMap<>();
            c.endOffsets(tps).forEach((tp, o) -> out.put(tp.partition(), o));
            return out;
        }
    }

    Set<Qualified> realized() {
        return new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT segment_id, person_id FROM membership WHERE status = 'realized'")
                .map((rs, ctx) -> new Qualified(rs.getString(1), rs.getString(2))).list()));
    }

    long changeCount() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM membership_change").mapTo(Long.class).one());
    }

    /** The change feeds against the memberships ({@link io.cohort.reliability.ChangeFeeds}); empty when they fold. */
    List<String> feedViolations() { return io.cohort.reliability.ChangeFeeds.violations(jdbi); }

    /** Outbox rows wanted "add" per activation, as (activation, person). */
    Set<String> outboxAdds() {
        List<String> rows = jdbi.withHandle(h -> h.createQuery("SELECT activation_id, person_id FROM outbox WHERE action = 'add'")
                .map((rs, ctx) -> rs.getString(1) + "/" + rs.getString(2)).list());
        return new TreeSet<>(rows);
    }

    /** The broker and the PostgreSQL server outlive the fixture (see the class comment); its database stays until they stop. */
    @Override public void close() {
        try {
            pool.stop();
        } catch (Exception e) {
            throw new IllegalStateException("closing the pool of " + database, e);
        }
    }

    /**
     * Appends a person {@code id} with two events, at {@code older} and {@code newer}: in
     * probe-events (two events in 30 days) until the older one is 30 days old.
     */
    static Qualified twoEvents(IngestLog log, RecordParser parser, String id, Instant older, Instant newer) throws Exception {
        String email = id.toLowerCase(Locale.ROOT) + "@clock.example";
        String records = ("[{\"type\":\"person\",\"id\":\"%s\",\"email\":\"%s\"},"
                + "{\"type\":\"event\",\"id\":\"%s-1\",\"personId\":\"%s\",\"eventType\":\"v\",\"timestamp\":\"%s\"},"
                + "{\"type\":\"event\",\"id\":\"%s-2\",\"personId\":\"%s\",\"eventType\":\"v\",\"timestamp\":\"%s\"}]")
                .formatted(id, email, id, id, older, id, id, newer);
        List<com.fasterxml.jackson.databind.JsonNode> batch = new ArrayList<>();
        Jackson.newObjectMapper().readTree(records).forEach(batch::add);
        parser.parse(batch);
        log.append("crm-1", batch, System.currentTimeMillis());
        return new Qualified("probe-events", io.cohort.identity.UnifiedIds.personByEmail(email));
    }

    /** The store under the log, as the service gives it to its node (ClusterWiring). */
    static ClusterNode.StoreLoader storeLoader(io.cohort.store.RecordStore store) {
        return new ClusterNode.StoreLoader() {
            @Override public long load(ProfileGraph graph, long upTo, Instant horizon) {
                return io.cohort.pipeline.Pipeline.loadInto(store, graph, horizon, upTo, x -> {});
            }

            @Override public long lastBatch() { return store.position().lastBatch(); }
        };
    }

    /** Sends {@code batches} batches of {@code gen} through {@code pipeline} (single mode's, or the cluster's write path). */
    static void ingest(io.cohort.pipeline.Pipeline pipeline, io.cohort.reliability.RandomRecords gen, int batches) {
        for (int i = 0; i < batches; i++) {
            io.cohort.reliability.RandomRecords.Batch b = gen.next();
            pipeline.ingest(b.source(), new ArrayList<com.fasterxml.jackson.databind.JsonNode>(b.records()));
        }
    }

    /** Waits until the work of every log entry is published and committed. */
    void settle(IngestLog log) throws InterruptedException {
        awaitPublished(log.last(), Duration.ofSeconds(60));
        if (!awaitCaughtUp(Duration.ofSeconds(60))) throw new AssertionError("the workers did not catch up");
    }
}
