package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleService;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.store.RuleSetStore;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.util.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule edit reaches every process of a cluster: two ClusterNodes (this JVM, each with its own
 * graph from the ingest log) share the work; one applies an edited rule set; the other loads it
 * from the store, and the memberships end equal to a fresh evaluation with the new rules. A rule
 * set with an error is refused and changes nothing.
 */
class ClusterRulesIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.rules", 4); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void aRuleEditReachesEveryProcess() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(4242, ClusterFixture.NOW, 50, 35, 12);
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) nodes.add(f.startNode("r" + i, parser));
            ClusterFixture.awaitEachOwnsPartitions(nodes);
            ClusterFixture.append(log, parser, gen, 120);
            f.settle(log);
            ProfileGraph graph = f.replay(parser);
            Set<Qualified> before = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).isEqualTo(before);

            // An analyst's typo: refused, nothing changes.
            Map<String, String> broken = new TreeMap<>(RuleService.readDirectory(rules));
            broken.put("probes.drl", broken.get("probes.drl").replace("count($now.daysAgo(30)) >= 2", "count($now.daysAgo(30) >= 2"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> nodes.get(0).applyRules(broken))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("probes.drl");
            assertThat(new RuleFence(f.jdbi).applied()).contains(f.book.version());

            // The edit: one recent event is enough for probe-events.
            Map<String, String> edited = new TreeMap<>(RuleService.readDirectory(rules));
            edited.put("probes.drl", edited.get("probes.drl").replace("count($now.daysAgo(30)) >= 2", "count($now.daysAgo(30)) >= 1"));
            RuleBook nextBook = FreshEvaluation.compile(writeFiles(edited), f.clock);
            Set<String> changed = ClusterNode.changedSegments(f.book, nextBook);
            assertThat(changed).as("segments the edit changes").contains("probe-events").hasSizeLessThan(f.book.segments().size());
            // A membership of a segment the edit leaves alone, lost outside the engine (a restored
            // backup, a hand edit): the edit evaluates only the changed segments, so it stays lost.
            Qualified lost = before.stream().filter(q -> !changed.contains(q.segmentId())).findFirst().orElseThrow();
            f.lose(lost);
            RuleBook next = nodes.get(0).applyRules(edited);
            assertThat(next.version()).isNotEqualTo(f.book.version()).isEqualTo(nextBook.version());
            long until = System.nanoTime() + 30_000_000_000L;
            while (!nodes.get(1).rules().version().equals(next.version()) && System.nanoTime() < until) Thread.sleep(50);
            assertThat(nodes.get(1).rules().version()).as("the other process loaded the cluster's rules").isEqualTo(next.version());
            f.settle(log);

            Set<Qualified> after = FreshEvaluation.of(graph, next, f.clock, 2);
            assertThat(after).as("the edit changes probe-events").isNotEqualTo(before);
            Set<Qualified> afterButLost = new HashSet<>(after);
            afterButLost.remove(lost);
            assertThat(f.realized()).as("memberships = a fresh evaluation with the new rules, of the changed segments only")
                    .isEqualTo(afterButLost);
            assertThat(f.feedViolations()).isEmpty();
            assertThat(nodes.get(1).worker().committedMessages()).as("the other process worked too").isPositive();
            assertSweepDone("rules", next.version(), graph.personIds().size());

            // Re-evaluating (every segment) repairs the lost membership.
            assertThat(nodes.get(1).reevaluate()).as("people published").isGreaterThanOrEqualTo(graph.personIds().size());
            long repairBy = System.nanoTime() + 60_000_000_000L;
            while (!f.realized().equals(after) && System.nanoTime() < repairBy) Thread.sleep(100);
            assertThat(f.realized()).as("memberships after re-evaluating = a fresh evaluation").isEqualTo(after);
            f.settle(log);
            assertSweepDone("re-evaluate", next.version(), graph.personIds().size());
            assertThat(f.feedViolations()).isEmpty();

            // Two edits applied at once on two nodes: the stored files and the applied version stay
            // together (the last apply wins both), so both nodes end on the one applied version.
            Map<String, String> a1 = new TreeMap<>(edited);
            a1.put("probes.drl", edited.get("probes.drl").replace("count($now.daysAgo(30)) >= 1", "count($now.daysAgo(30)) >= 3"));
            Map<String, String> b1 = new TreeMap<>(edited);
            b1.put("probes.drl", edited.get("probes.drl").replace("count($now.daysAgo(30)) >= 1", "count($now.daysAgo(30)) >= 4"));
            Thread ta = new Thread(() -> nodes.get(0).applyRules(a1));
            Thread tb = new Thread(() -> nodes.get(1).applyRules(b1));
            ta.start();
            tb.start();
            ta.join();
            tb.join();
            String applied = new RuleFence(f.jdbi).applied().orElseThrow();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (nodes.stream().anyMatch(n -> !n.rules().version().equals(applied)) && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(nodes).as("both nodes run the applied version").allMatch(n -> n.rules().version().equals(applied));
            assertThat(FreshEvaluation.compile(writeFiles(new RuleSetStore(f.jdbi, Jackson.newObjectMapper()).lastApplied().orElseThrow()),
                    f.clock).version()).as("the stored files are the applied version's").isEqualTo(applied);
        } finally {
            for (ClusterNode n : nodes) n.stop();
        }
    }

    /**
     * The sweep the relay began for the edit (or re-evaluation) counted each person once, through
     * the work messages' header and every worker's commits, and is no longer shown.
     */
    private static void assertSweepDone(String cause, String version, int graphPeople) {
        var row = f.jdbi.withHandle(h -> h.createQuery("SELECT s.cause, s.rules_version, s.people, "
                + "(SELECT SUM(evaluated) FROM cluster_sweep_progress p WHERE p.sweep_id = s.id) AS evaluated FROM cluster_sweep s")
                .mapToMap().one());
        assertThat(row).as("the %s sweep", cause).containsEntry("cause", cause).containsEntry("rules_version", version);
        int people = ((Number) row.get("people")).intValue();
        assertThat(people).as("everyone: the graph's people and any stored member").isGreaterThanOrEqualTo(graphPeople);
        assertThat(((Number) row.get("evaluated")).intValue()).as("people evaluated for it, over both nodes").isEqualTo(people);
        assertThat(new ClusterSweeps(f.jdbi, Jackson.newObjectMapper()).current(f.book.segments().keySet())).as("done: shown no more")
                .isEmpty();
    }

    @TempDir Path stored;

    private Path writeFiles(Map<String, String> files) throws java.io.IOException {
        for (var e : files.entrySet()) java.nio.file.Files.writeString(stored.resolve(e.getKey()), e.getValue());
        return stored;
    }
}
