package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.Budget;
import io.cohort.engine.EngineState;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.MembershipSink;
import io.cohort.engine.OneShot;
import io.cohort.engine.Round;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Now;
import io.cohort.model.Qualified;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluating everyone (a start with changed rules, a rule edit) runs in rounds, the workers on the
 * next round while one is handed to the sink; and a round the sink refuses (its database away)
 * must be found again by the retry, not taken as done.
 */
class EvaluationRoundsTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final int BATCHES = 400;

    @TempDir static Path rules;
    @TempDir static Path edited;
    static RuleBook book;
    static RuleBook next;

    @BeforeAll static void compileRules() throws Exception {
        book = FreshEvaluation.shippedWithProbes(rules, NOW);
        FreshEvaluation.shippedWithProbes(edited, NOW);
        Path probes = edited.resolve("probes.drl");
        String text = Files.readString(probes);
        assertThat(text).contains("$t >= 1000000");
        Files.writeString(probes, text.replace("$t >= 1000000", "$t >= 300000"));
        next = FreshEvaluation.compile(edited, new ManualClock(NOW));
    }

    @Test
    void aStartAndARuleEditInManyRoundsEqualOneSessionOfEverything() throws Exception {
        ProfileGraph graph = graph(20261204L);
        ManualClock clock = new ManualClock(NOW);
        MemorySink sink = new MemorySink();
        int people = graph.personCount();
        Evaluator ev = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        try {
            ev.start(book, BATCHES);
            assertThat(sink.rounds()).as("rounds of 3 of %d people", people).isGreaterThanOrEqualTo(people / 3 / 2);
            assertThat(sink.members()).isEqualTo(oneSession(graph, book)).isNotEmpty();

            long before = sink.rounds();
            ev.reload(next).get();
            assertThat(sink.rounds() - before).as("the edit's rounds").isGreaterThan(1);
            Set<Qualified> expected = oneSession(graph, next);
            assertThat(expected).as("the edit changes probe-won").isNotEqualTo(oneSession(graph, book));
            assertThat(sink.members()).isEqualTo(expected);
            assertThat(sink.contractViolations()).isEmpty();
        } finally {
            ev.stop();
        }
    }

    /**
     * While a rule edit's rounds are stored, the evaluator says which sweep runs and how far it is
     * (GET /v1/segments shows it): asked from inside the sink, as a request would be during a round.
     */
    @Test
    void aRuleEditTellsWhileItRunsWhoItHasEvaluated() throws Exception {
        ProfileGraph graph = graph(20261208L);
        ManualClock clock = new ManualClock(NOW);
        MemorySink memory = new MemorySink();
        List<io.cohort.engine.Sweep> seen = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Evaluator> evaluator = new java.util.concurrent.atomic.AtomicReference<>();
        MembershipSink sink = new MembershipSink() {
            @Override public void apply(Round round) {
                if (round.cause().equals("rules")) seen.add(evaluator.get().sweep().orElse(null));
                memory.apply(round);
            }

            @Override public Set<Qualified> realized() { return memory.realized(); }

            @Override public EngineState state() { return memory.state(); }

            @Override public void checkpoint(EngineState s) { memory.checkpoint(s); }
        };
        Evaluator ev = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        evaluator.set(ev);
        try {
            ev.start(book, BATCHES);
            assertThat(ev.sweep()).as("none after the start's").isEmpty();
            ev.reload(next).get();
            assertThat(seen).as("rounds of the edit that changed something").hasSizeGreaterThan(1).doesNotContainNull();
            int people = graph.personCount();
            int before = -1;
            for (io.cohort.engine.Sweep w : seen) {
                assertThat(w.cause()).isEqualTo("rules");
                assertThat(w.rulesVersion()).isEqualTo(next.version());
                assertThat(w.segments()).as("the edited segment alone").containsExactly("probe-won");
                assertThat(w.people()).isEqualTo(people);
                assertThat(w.evaluated()).as("rounds stored before this one").isGreaterThan(before).isLessThan(people);
                before = w.evaluated();
            }
            assertThat(ev.sweep()).as("none once the edit is applied").isEmpty();
        } finally {
            ev.stop();
        }
    }

    /** The sink refuses one round in the middle of a rule edit: the edit fails, and the next try completes it. */
    @Test
    void aRuleEditWhoseRoundTheSinkRefusedCompletesOnTheNextTry() throws Exception {
        ProfileGraph graph = graph(20261205L);
        ManualClock clock = new ManualClock(NOW);
        RefusingSink sink = new RefusingSink();
        Evaluator ev = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        try {
            ev.start(book, BATCHES);
            assertThat(sink.members()).isEqualTo(oneSession(graph, book));
            sink.refuseChangeNumber(3); // the third round that changes something, of the edit
            assertThatThrownBy(() -> ev.reload(next).get()).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("database unavailable");
            assertThat(ev.ruleBook().version()).as("the failed edit is not in force").isEqualTo(book.version());
            ev.reload(next).get();
            assertThat(sink.members()).as("every change of the edit, the refused round's too").isEqualTo(oneSession(graph, next));
            assertThat(sink.contractViolations()).isEmpty();
        } finally {
            ev.stop();
        }
    }

    /**
     * A process dies in the middle of a rule edit (the sink refuses a round, and that process is
     * not used again): a start with the edited rules on what was stored must finish the edit. The
     * rounds stored before carried the new rules' signatures, so the start took the edited segment
     * as evaluated and kept its half-updated members.
     */
    @Test
    void aStartAfterAProcessDiedInARuleEditFinishesTheEdit() throws Exception {
        ProfileGraph graph = graph(20261209L);
        ManualClock clock = new ManualClock(NOW);
        RefusingSink sink = new RefusingSink();
        Evaluator dying = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        Evaluator restarted = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        try {
            dying.start(book, BATCHES);
            sink.refuseChangeNumber(3);
            assertThatThrownBy(() -> dying.reload(next).get()).isInstanceOf(ExecutionException.class);
            // Killed: no clean stop writes its state (stopped only at the end, its checkpoint then moot).
            Set<Qualified> expected = oneSession(graph, next);
            assertThat(sink.members()).as("the edit stopped half-way").isNotEqualTo(expected).isNotEqualTo(oneSession(graph, book));
            restarted.start(next, BATCHES);
            assertThat(sink.members()).isEqualTo(expected);
        } finally {
            restarted.stop();
            dying.stop();
        }
    }

    /**
     * A start after a crash, on a graph read from a snapshot of batch N and caught up: the batches
     * stored after the memberships' last round are evaluated for the people they reach, not for
     * everyone, and give the same memberships; a snapshot of a batch the memberships had not
     * evaluated gives no such shortcut (everyone is evaluated, still the same memberships).
     */
    @Test
    void aStartCaughtUpFromASnapshotEvaluatesThePeopleTheNewBatchesReach() throws Exception {
        ProfileGraph graph = graph(20261210L);
        ManualClock clock = new ManualClock(NOW);
        MemorySink sink = new MemorySink();
        Evaluator before = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        try {
            before.start(book, BATCHES); // the memberships of batch N = BATCHES, as at a clean stop
        } finally {
            before.stop();
        }
        // Batches after N stored, then a crash before they were evaluated; the catch-up applies them.
        RandomRecords gen = new RandomRecords(20261211L, NOW, 120, 100, 25);
        RecordParser parser = new RecordParser(new IngestLimits());
        io.cohort.identity.Touched since = new io.cohort.identity.Touched();
        for (int step = BATCHES + 1; step <= BATCHES + 2; step++) {
            RandomRecords.Batch b = gen.next();
            since.addAll(graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), step));
        }
        Set<Qualified> expected = oneSession(graph, book);
        assertThat(expected).isNotEqualTo(sink.members());
        int people = graph.personCount();

        MemorySink crashed = sink.copy();
        Evaluator targeted = new Evaluator(graph, crashed, clock, FreshEvaluation.engine(2, true, 3));
        try {
            targeted.start(book, BATCHES + 2, realized(crashed), java.util.Optional.of(new Evaluator.Since(BATCHES, since)));
            assertThat(crashed.members()).isEqualTo(expected);
            int reached = graph.affected(since, book.shape().depth()).size();
            assertThat(reached).isPositive().isLessThan(people);
            assertThat(targeted.stats().evaluations()).as("people evaluated at the start, of %d", people).isEqualTo(reached);
        } finally {
            targeted.stop();
        }
        MemorySink older = sink.copy();
        Evaluator everyone = new Evaluator(graph, older, clock, FreshEvaluation.engine(2, true, 3));
        try {
            everyone.start(book, BATCHES + 2, realized(older), java.util.Optional.of(new Evaluator.Since(BATCHES + 1, since)));
            assertThat(older.members()).isEqualTo(expected);
            assertThat(everyone.stats().evaluations()).isGreaterThanOrEqualTo(people);
        } finally {
            everyone.stop();
        }
    }

    private static java.util.concurrent.Future<Set<Qualified>> realized(MemorySink sink) {
        var f = new java.util.concurrent.FutureTask<>(sink::realized);
        f.run();
        return f;
    }

    /**
     * Through the rule service, as a file edit reaches the engine: an apply the sink refused half-way
     * is tried again by the watcher once its wait has passed (not before), and then completes.
     */
    @Test
    void aRuleEditTheSinkRefusedIsAppliedOnTheWatchersNextTry(@TempDir Path dir) throws Exception {
        FreshEvaluation.shippedWithProbes(dir, NOW);
        ManualClock clock = new ManualClock(NOW);
        RuleService service = new RuleService(dir, new RuleCompiler(clock), clock);
        RuleBook first = service.initial();
        ProfileGraph graph = graph(20261207L);
        RefusingSink sink = new RefusingSink();
        Evaluator ev = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        try {
            ev.start(first, BATCHES);
            service.attach(ev);
            service.reloadIfChanged();
            assertThat(service.status().activeVersion()).isEqualTo(first.version());

            Path probes = dir.resolve("probes.drl");
            Files.writeString(probes, Files.readString(probes).replace("$t >= 1000000", "$t >= 300000"));
            sink.refuseChangeNumber(2);
            RuleService.Status failed = service.reload();
            assertThat(failed.lastReloadFailed()).isTrue();
            assertThat(failed.activeVersion()).isEqualTo(first.version());
            assertThat(failed.messages().toString()).contains("database unavailable", "tried again at");
            var health = new io.cohort.ops.RulesHealthCheck(service).execute();
            assertThat(health.isHealthy()).as("the last good rules serve").isTrue();
            assertThat(health.getMessage()).startsWith("WARNING: the rules compiled but could not be applied")
                    .contains("database unavailable", first.version());

            service.reloadIfChanged();
            assertThat(service.status().activeVersion()).as("its wait has not passed").isEqualTo(first.version());
            clock.advance(RuleService.RETRY_FIRST.plusSeconds(1));
            service.reloadIfChanged();
            assertThat(service.status().lastReloadFailed()).isFalse();
            RuleBook applied = ev.ruleBook();
            assertThat(applied.version()).isEqualTo(service.status().activeVersion()).isNotEqualTo(first.version());
            assertThat(sink.members()).isEqualTo(oneSession(graph, applied, clock.instant()));
            assertThat(sink.contractViolations()).isEmpty();

            // Applied: the watcher has nothing more to do.
            long rounds = sink.rounds();
            clock.advance(RuleService.RETRY_MAX);
            service.reloadIfChanged();
            assertThat(sink.rounds()).isEqualTo(rounds);
        } finally {
            ev.stop();
        }
    }

    /** The same for a round of ingestion: retried by the engine itself, a second later. */
    @Test
    void anIngestRoundTheSinkRefusedIsRetriedWithItsChanges() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        ManualClock clock = new ManualClock(NOW);
        RefusingSink sink = new RefusingSink();
        RandomRecords gen = new RandomRecords(20261206L, NOW, 120, 100, 25);
        RecordParser parser = new RecordParser(new IngestLimits());
        Evaluator ev = new Evaluator(graph, sink, clock, FreshEvaluation.engine(2, true, 3));
        try {
            ev.start(book, 0);
            sink.refuseChangeNumber(2);
            for (int step = 1; step <= BATCHES; step++) {
                RandomRecords.Batch b = gen.next();
                ev.submit(graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), step), step);
                if (step % 20 == 0) ev.awaitIdle(Duration.ofSeconds(30)); // rounds of a few batches, not one
            }
            Set<Qualified> expected = oneSession(graph, book);
            assertThat(expected).isNotEmpty();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!sink.members().equals(expected) && System.nanoTime() < deadline) {
                ev.awaitIdle(Duration.ofSeconds(30));
                Thread.sleep(100);
            }
            assertThat(sink.refused()).as("rounds refused").isEqualTo(1);
            assertThat(sink.members()).isEqualTo(expected);
            assertThat(sink.contractViolations()).isEmpty();
        } finally {
            ev.stop();
        }
    }

    private static ProfileGraph graph(long seed) {
        ProfileGraph graph = new ProfileGraph();
        RandomRecords gen = new RandomRecords(seed, NOW, 120, 100, 25);
        RecordParser parser = new RecordParser(new IngestLimits());
        for (int step = 1; step <= BATCHES; step++) {
            RandomRecords.Batch b = gen.next();
            graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), step);
        }
        return graph;
    }

    /** The reference: every fact of the graph in one session. */
    private static Set<Qualified> oneSession(ProfileGraph graph, RuleBook rules) { return oneSession(graph, rules, NOW); }

    private static Set<Qualified> oneSession(ProfileGraph graph, RuleBook rules, Instant now) {
        return OneShot.run(rules.kieBase(), rules, graph.allFacts(now.minus(Duration.ofDays(90))), new Now(now), false,
                Budget.DEFAULT).qualified();
    }

    /** A sink whose database is away for one round that changes memberships (it stores nothing of it). */
    static final class RefusingSink implements MembershipSink {
        private final MemorySink stored = new MemorySink();
        private final AtomicInteger changing = new AtomicInteger();
        private final AtomicInteger refused = new AtomicInteger();
        private volatile int refuse = -1;

        void refuseChangeNumber(int n) {
            changing.set(0);
            refuse = n;
        }

        @Override public Set<Qualified> realized() { return stored.realized(); }

        @Override public EngineState state() { return stored.state(); }

        @Override public void checkpoint(EngineState state) { stored.checkpoint(state); }

        @Override public void apply(Round round) {
            if (!round.deltas().isEmpty() && changing.incrementAndGet() == refuse) {
                refused.incrementAndGet();
                throw new IllegalStateException("database unavailable (a test's refusal)");
            }
            stored.apply(round);
        }

        Set<Qualified> members() { return stored.members(); }

        long rounds() { return stored.rounds(); }

        List<String> contractViolations() { return stored.contractViolations(); }

        int refused() { return refused.get(); }
    }
}
