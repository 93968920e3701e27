package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleService;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation a rule edit owes the cluster is recorded in the apply's transaction and published
 * by the work relay: an applier that cannot reach Kafka right after its commit (its producer
 * closed: the broker unreachable from that process alone, or the process dying there) loses
 * nothing, and a relay holder that cannot publish leaves the lease to a process that can. Edits
 * applied while nothing publishes add up: every segment either one changed is evaluated, no other.
 * The re-evaluate task records its work the same way.
 */
class ClusterRuleWorkIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.rulework", 4); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void anEditsWorkOutlivesAnApplierThatCannotPublish() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(777, ClusterFixture.NOW, 50, 35, 12);
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            // r1 first, so it holds the relay's lease: the process that will lose Kafka.
            nodes.add(f.startNode("r1", parser));
            awaitRelayHolder("r1");
            nodes.add(0, f.startNode("r0", parser));
            ClusterFixture.awaitEachOwnsPartitions(nodes);
            ClusterFixture.append(log, parser, gen, 120);
            f.settle(log);
            ProfileGraph graph = f.replay(parser);
            Set<Qualified> before = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).isEqualTo(before);
            assertThat(relayHolder()).contains("r1");

            // Kafka unreachable from r1 alone; r1 applies an edit (one recent event is enough for probe-events).
            nodes.get(1).publisher().close();
            Map<String, String> edit1 = edit(RuleService.readDirectory(rules), "count($now.daysAgo(30)) >= 2", "count($now.daysAgo(30)) >= 1");
            RuleBook v1 = nodes.get(1).applyRules(edit1);
            assertThat(new RuleFence(f.jdbi).applied()).contains(v1.version());
            f.settle(log);
            Set<Qualified> afterV1 = FreshEvaluation.of(graph, v1, f.clock, 2);
            assertThat(afterV1).as("the edit changes probe-events").isNotEqualTo(before);
            assertThat(f.realized()).as("memberships = a fresh evaluation with the edited rules").isEqualTo(afterV1);
            assertThat(relayHolder()).as("the relay moved to the process that can publish").contains("r0");
            assertThat(f.feedViolations()).isEmpty();

            // Nothing publishes for a while (the relay's lease held by a process that hangs); two edits
            // meanwhile, each of one segment, and a membership of a third segment lost outside the engine.
            nodes.remove(1).stop();
            f.jdbi.useHandle(h -> h.execute("UPDATE cluster_lease SET holder = 'hung', token = token + 1, expires_at = ? "
                    + "WHERE name = ?", System.currentTimeMillis() + 3_600_000, WorkRelay.LEASE));
            Map<String, String> edit2 = edit(edit1, "amount > 500000", "amount > 100000");
            RuleBook v2 = nodes.get(0).applyRules(edit2);
            Map<String, String> edit3 = edit(edit2, "$n : count(); $n >= 2", "$n : count(); $n >= 3");
            RuleBook v3 = nodes.get(0).applyRules(edit3);
            assertThat(ClusterNode.changedSegments(v1, v2)).containsExactly("probe-deal");
            assertThat(ClusterNode.changedSegments(v2, v3)).containsExactly("probe-accounts");
            Optional<RuleWork.Pending> pending = new RuleWork(Jackson.newObjectMapper()).pending(f.jdbi);
            assertThat(pending).as("the work both edits owe, recorded with them").isPresent();
            assertThat(pending.get().segments()).containsExactlyInAnyOrder("probe-deal", "probe-accounts");
            assertThat(pending.get().version()).isEqualTo(v3.version());
            Set<String> untouched = Set.of("probe-events", "probe-deal", "probe-accounts");
            Qualified lost = afterV1.stream().filter(q -> !untouched.contains(q.segmentId())).findFirst().orElseThrow();
            f.lose(lost);
            Thread.sleep(1_000);
            Set<Qualified> afterV1ButLost = new HashSet<>(afterV1);
            afterV1ButLost.remove(lost);
            assertThat(f.realized()).as("nothing evaluated while nothing publishes").isEqualTo(afterV1ButLost);

            // The hung holder's lease runs out: r0 takes it and publishes the work once for both edits.
            f.jdbi.useHandle(h -> h.execute("UPDATE cluster_lease SET expires_at = 0 WHERE name = ?", WorkRelay.LEASE));
            f.settle(log);
            Set<Qualified> afterV3 = FreshEvaluation.of(graph, v3, f.clock, 2);
            assertThat(afterV3).as("the two edits change memberships").isNotEqualTo(afterV1);
            Set<Qualified> afterV3ButLost = new HashSet<>(afterV3);
            afterV3ButLost.remove(lost);
            assertThat(f.realized()).as("memberships = a fresh evaluation with the last rules, of the edited segments only")
                    .isEqualTo(afterV3ButLost);
            assertThat(f.feedViolations()).isEmpty();

            // The operator re-evaluates, asking a process that cannot reach Kafka: the task records
            // the work for everyone (it published from that process before, and failed), the relay
            // publishes it, and the lost membership comes back, named by its cause.
            nodes.add(f.startNode("r2", parser));
            ClusterFixture.awaitEachOwnsPartitions(nodes);
            nodes.get(1).publisher().close();
            assertThat(nodes.get(1).reevaluate()).as("people in r2's graph").isPositive();
            f.settle(log);
            assertThat(f.realized()).as("memberships after re-evaluating = a fresh evaluation with the last rules").isEqualTo(afterV3);
            String cause = f.jdbi.withHandle(h -> h.createQuery("SELECT cause FROM membership_change WHERE segment_id = ? "
                    + "AND person_id = ? ORDER BY seq DESC").bind(0, lost.segmentId()).bind(1, lost.personId()).mapTo(String.class).first());
            assertThat(cause).as("the change feed says why").isEqualTo("re-evaluate");
            assertThat(f.feedViolations()).isEmpty();
        } finally {
            for (ClusterNode n : nodes) n.stop();
        }
    }

    private static Map<String, String> edit(Map<String, String> files, String from, String to) {
        Map<String, String> out = new TreeMap<>(files);
        String probes = out.get("probes.drl");
        assertThat(probes).contains(from);
        out.put("probes.drl", probes.replace(from, to));
        return out;
    }

    private static Optional<String> relayHolder() {
        return f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = ? AND expires_at > ?")
                .bind(0, WorkRelay.LEASE).bind(1, System.currentTimeMillis()).mapTo(String.class).findOne());
    }

    private static void awaitRelayHolder(String node) throws InterruptedException {
        long until = System.nanoTime() + 30_000_000_000L;
        while (!relayHolder().equals(Optional.of(node))) {
            if (System.nanoTime() > until) throw new AssertionError("the relay's lease is not " + node + "'s: " + relayHolder());
            Thread.sleep(50);
        }
    }
}
