package io.cohort.reliability;

import io.cohort.engine.EngineConfig;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The reference every reliability test compares against: memberships computed from scratch, by a
 * new Evaluator over a profile graph, with an in-memory sink that starts empty.
 */
public final class FreshEvaluation {
    private FreshEvaluation() {}

    /**
     * Engine settings for tests: a manual clock (no ticker thread), the given workers, small batches,
     * and small rounds, so that evaluating everyone (start, rule edits, sweeps) runs several rounds,
     * the next one evaluated while one is handed to the sink.
     */
    public static EngineConfig engine(int workers) {
        return engine(workers, false);
    }

    /** @param pooled evaluate in reset sessions of a pool (engine.sessionPool) */
    public static EngineConfig engine(int workers, boolean pooled) {
        return engine(workers, pooled, 5);
    }

    /** @param roundSize people per round when everyone is evaluated (engine.roundSize) */
    public static EngineConfig engine(int workers, boolean pooled, int roundSize) {
        return Jackson.newObjectMapper().convertValue(Map.of("workers", workers, "manualClock", true, "chunkSize", 7,
                "roundSize", roundSize, "consistencyCheck", "0s", "sessionPool", pooled), EngineConfig.class);
    }

    /** The shipped rules, copied into {@code dir} and compiled at {@code now}. */
    public static RuleBook shipped(Path dir, java.time.Instant now) throws java.io.IOException {
        io.cohort.it.CohortApp.copyRules(Path.of("rules"), dir);
        return compile(dir, new io.cohort.engine.ManualClock(now));
    }

    /** The shipped rules and the reliability probes, copied into {@code dir} and compiled at {@code now}. */
    public static RuleBook shippedWithProbes(Path dir, java.time.Instant now) throws java.io.IOException {
        io.cohort.it.CohortApp.copyRules(Path.of("rules"), dir);
        java.nio.file.Files.copy(Path.of("src/test/resources/reliability/rules/probes.drl"), dir.resolve("probes.drl"));
        return compile(dir, new io.cohort.engine.ManualClock(now));
    }

    /** Rule sets compiled by this test JVM's fresh evaluations, by content (compiling is a function of the files). */
    private static final io.cohort.engine.CompiledRuleSets COMPILED = new io.cohort.engine.CompiledRuleSets();

    public static RuleBook compile(Path rulesDir, Clock clock) {
        return new RuleService(rulesDir, new RuleCompiler(clock, COMPILED), clock).initial();
    }

    /** Qualified facts of a fresh evaluation of {@code graph}. */
    public static Set<Qualified> of(ProfileGraph graph, RuleBook book, Clock clock, int shards) throws Exception {
        MemorySink sink = new MemorySink();
        Evaluator ev = new Evaluator(graph, sink, clock, engine(shards));
        try {
            ev.start(book, Long.MAX_VALUE);
            return sink.members();
        } finally {
            ev.stop();
        }
    }

    /** Qualified facts of a fresh evaluation of what a database holds (read-only use of it). */
    public static Set<Qualified> ofDatabase(String jdbcUrl, Path rulesDir, Clock clock) throws Exception {
        return ofDatabase(jdbcUrl, rulesDir, clock, "sa", "");
    }

    /** As {@link #ofDatabase(String, Path, Clock)}, with a user and password (PostgreSQL). */
    public static Set<Qualified> ofDatabase(String jdbcUrl, Path rulesDir, Clock clock, String user, String password) throws Exception {
        Jdbi jdbi = Jdbi.create(jdbcUrl, user, password);
        RecordStore store = new RecordStore(jdbi, Jackson.newObjectMapper());
        ProfileGraph graph = new ProfileGraph();
        new Pipeline(Map.of(), new RecordParser(new IngestLimits()), store, graph, null, clock,
                new com.codahale.metrics.MetricRegistry()).loadFromStore();
        return of(graph, compile(rulesDir, clock), clock, 2);
    }
}
