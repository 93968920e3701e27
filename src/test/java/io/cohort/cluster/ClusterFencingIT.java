package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fences of cluster mode on a real PostgreSQL: a worker that lost its partition cannot
 * commit (epoch), a worker whose rules are not the cluster's cannot commit (rule version), and
 * one dispatcher per activation (lease with a fencing token).
 */
class ClusterFencingIT {
    static final String PERSON = UnifiedIds.personByEmail("ann@corp.com");

    @TempDir static Path rules;
    @TempDir static Path otherRules;
    @TempDir static Path throwingRules;
    static ClusterFixture f;
    ProfileGraph graph;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.fence", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @BeforeEach void data() throws Exception {
        graph = new ProfileGraph();
        String records = "[{\"type\":\"person\",\"id\":\"P1\",\"email\":\"ann@corp.com\"},"
                + "{\"type\":\"event\",\"id\":\"E1\",\"personId\":\"P1\",\"eventType\":\"v\",\"timestamp\":\"2026-11-24T00:00:00Z\"},"
                + "{\"type\":\"event\",\"id\":\"E2\",\"personId\":\"P1\",\"eventType\":\"v\",\"timestamp\":\"2026-11-23T00:00:00Z\"}]";
        List<JsonNode> nodes = new ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(records).forEach(nodes::add);
        graph.apply("crm-1", new RecordParser(new IngestLimits()).parse(nodes), 1);
        f.jdbi.useHandle(h -> {
            h.execute("DELETE FROM membership");
            h.execute("DELETE FROM membership_change");
            h.execute("DELETE FROM outbox");
            h.execute("DELETE FROM cluster_partition");
        });
        new RuleFence(f.jdbi).apply(f.book.version(), f.clock.millis());
    }

    @Test
    void aWorkerThatLostItsPartitionCannotCommit() {
        PartitionWorker zombie = f.worker("zombie", graph, () -> Long.MAX_VALUE);
        PartitionClaims claims = new PartitionClaims(f.jdbi, f.topic);
        long old = claims.claim(0, "zombie", 1).epoch();
        long current = claims.claim(0, "successor", 2).epoch();
        assertThat(current).isGreaterThan(old);

        assertThat(zombie.handle(0, old, work(5))).isEqualTo(PartitionWorker.Outcome.FENCED);
        assertThat(f.realized()).as("nothing of the fenced commit").isEmpty();
        assertThat(f.changeCount()).isZero();
        assertThat(claims.nextOffsets()).containsEntry(0, -1L);

        PartitionWorker successor = f.worker("successor", graph, () -> Long.MAX_VALUE);
        assertThat(successor.handle(0, current, work(5))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(f.realized()).contains(new Qualified("probe-events", PERSON));
        assertThat(claims.nextOffsets()).containsEntry(0, 6L);
        assertThat(f.outboxAdds()).containsExactly("events-to-marketo/" + PERSON);
        long changes = f.changeCount();
        // The same work again (a redelivery after a crash before the offset was read): no change.
        assertThat(successor.handle(0, current, work(5))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(f.changeCount()).isEqualTo(changes);
    }

    @Test
    void aWorkerWithOtherRulesThanTheClusterHoldsItsWork() throws Exception {
        Files.writeString(otherRules.resolve("probe.drl"), Files.readString(rules.resolve("probes.drl")));
        RuleBook other = FreshEvaluation.compile(otherRules, f.clock);
        assertThat(other.version()).isNotEqualTo(f.book.version());
        PartitionClaims claims = new PartitionClaims(f.jdbi, f.topic);
        long epoch = claims.claim(1, "w", 1).epoch();
        PartitionWorker w = f.worker("w", graph, () -> Long.MAX_VALUE);

        new RuleFence(f.jdbi).apply(other.version(), 2); // the cluster moved on; this worker has not
        assertThat(w.handle(1, epoch, work(0))).isEqualTo(PartitionWorker.Outcome.RULES_DIFFER);
        assertThat(f.changeCount()).isZero();
        assertThat(claims.nextOffsets()).containsEntry(1, -1L);

        w.useRules(other);
        assertThat(w.handle(1, epoch, work(0))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(f.realized()).contains(new Qualified("probe-events", PERSON));
    }

    /**
     * A worker isolates a throwing rule once per rule set and says so once ("evaluated apart"):
     * when the commit that would carry it is refused, the next commit that succeeds carries it;
     * a rule set superseded first drops it.
     */
    @Test
    void anIssueToldOnceIsCarriedByTheNextCommitThatSucceeds() throws Exception {
        ClusterFixture.copyRules(throwingRules);
        Files.writeString(throwingRules.resolve("throws.drl"), ClusterFixture.THROWING_RULE);
        RuleBook throwing = FreshEvaluation.compile(throwingRules, f.clock);
        new RuleFence(f.jdbi).apply(throwing.version(), 2);
        f.jdbi.useHandle(h -> h.execute("DELETE FROM cluster_rule_issue"));
        RuleIssues issues = new RuleIssues(f.jdbi); // what GET /v1/rules lists on every node (ClusterWiring)
        PartitionClaims claims = new PartitionClaims(f.jdbi, f.topic);
        long lost = claims.claim(0, "w", 1).epoch();
        long kept = claims.claim(1, "w", 1).epoch();
        PartitionWorker w = f.worker("w", graph, () -> Long.MAX_VALUE);
        w.useRules(throwing);

        claims.claim(0, "successor", 2); // a rebalance between this worker's evaluation and its commit
        assertThat(w.handle(0, lost, work(0))).as("the first commit, which would have carried the isolation")
                .isEqualTo(PartitionWorker.Outcome.FENCED);
        assertThat(issues.of(throwing.version())).as("nothing of a refused commit").isEmpty();

        assertThat(w.handle(1, kept, work(0))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(issues.of(throwing.version())).as("the isolation, carried by the next commit that succeeded")
                .singleElement().satisfies(i -> {
                    assertThat(i.rule()).isEqualTo("ids past the 1000th character");
                    assertThat(i.message()).contains("evaluated apart");
                    assertThat(i.occurrences()).as("the isolation and the person it threw for").isEqualTo(2);
                });
        assertThat(w.handle(1, kept, work(1))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(issues.of(throwing.version()).get(0).occurrences()).as("carried once; the person's issue again").isEqualTo(3);

        // Another worker isolates the rule too, is refused, and the cluster moves on to other rules: dropped.
        PartitionWorker z = f.worker("z", graph, () -> Long.MAX_VALUE);
        z.useRules(throwing);
        long zLost = claims.claim(0, "z", 3).epoch();
        claims.claim(0, "successor", 4);
        assertThat(z.handle(0, zLost, work(0))).isEqualTo(PartitionWorker.Outcome.FENCED);
        new RuleFence(f.jdbi).apply(f.book.version(), 5);
        z.useRules(f.book);
        assertThat(z.handle(1, claims.claim(1, "z", 5).epoch(), work(2))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(issues.of(throwing.version()).get(0).occurrences()).as("not written under the superseded version").isEqualTo(3);
        assertThat(issues.of(f.book.version())).as("nor under the new one").isEmpty();
    }

    @Test
    void workOfABatchTheGraphDoesNotHoldWaits() {
        PartitionClaims claims = new PartitionClaims(f.jdbi, f.topic);
        long epoch = claims.claim(0, "w", 1).epoch();
        PartitionWorker w = f.worker("w", graph, () -> 0L);
        assertThat(w.handle(0, epoch, work(0))).isEqualTo(PartitionWorker.Outcome.DATA_BEHIND);
        assertThat(f.changeCount()).isZero();
    }

    @Test
    void aNewActivationReceivesTheSegmentsCurrentMembersOnce() {
        PartitionClaims claims = new PartitionClaims(f.jdbi, f.topic);
        long epoch = claims.claim(0, "w", 1).epoch();
        PartitionWorker w = f.worker("w", graph, () -> Long.MAX_VALUE);
        assertThat(w.handle(0, epoch, work(0))).isEqualTo(PartitionWorker.Outcome.COMMITTED);
        assertThat(f.realized()).contains(new Qualified("probe-events", PERSON));
        f.jdbi.useHandle(h -> h.execute("DELETE FROM activation WHERE id = 'events-to-webhook'"));

        var added = new io.cohort.audience.ActivationBinding("events-to-webhook", "probe-events", "webhook");
        var mapper = io.dropwizard.jackson.Jackson.newObjectMapper();
        assertThat(ActivationSeeding.seed(f.jdbi, mapper, List.of(added), graph, 10)).containsExactly("events-to-webhook");
        assertThat(f.outboxAdds()).contains("events-to-webhook/" + PERSON);
        // A second process starting with the same configuration registers nothing again.
        f.jdbi.useHandle(h -> h.execute("DELETE FROM outbox WHERE activation_id = 'events-to-webhook'"));
        assertThat(ActivationSeeding.seed(f.jdbi, mapper, List.of(added), graph, 20)).isEmpty();
        assertThat(f.outboxAdds()).doesNotContain("events-to-webhook/" + PERSON);
    }

    @Test
    void oneDispatcherPerActivation() {
        f.jdbi.useHandle(h -> h.execute("DELETE FROM cluster_lease"));
        ClusterLease a = new ClusterLease(f.jdbi, "node-a", 10_000);
        ClusterLease b = new ClusterLease(f.jdbi, "node-b", 10_000);
        assertThat(a.acquire("dispatch:events-to-marketo", 1_000)).contains(1L);
        assertThat(b.acquire("dispatch:events-to-marketo", 2_000)).as("held by a").isEmpty();
        assertThat(b.acquire("dispatch:deal-to-marketo", 2_000)).as("another activation").contains(1L);
        assertThat(a.acquire("dispatch:events-to-marketo", 8_000)).as("renewed").contains(1L);
        assertThat(b.acquire("dispatch:events-to-marketo", 17_000)).as("renewal moved expiry to 18 s").isEmpty();
        assertThat(b.acquire("dispatch:events-to-marketo", 18_001)).as("expired: taken over, newer token").contains(2L);
        assertThat(a.stillHeld("dispatch:events-to-marketo", 1L, 18_002)).as("the old holder is fenced").isFalse();
        assertThat(a.acquire("dispatch:events-to-marketo", 18_003)).isEmpty();
        b.release("dispatch:events-to-marketo");
        assertThat(a.acquire("dispatch:events-to-marketo", 18_004)).as("released: no wait for expiry").contains(3L);
    }

    /** One work message for the person at {@code offset} of the partition. */
    private static List<ConsumerRecord<String, Long>> work(long offset) {
        return List.of(new ConsumerRecord<>(f.topic, 0, offset, PERSON, 1L));
    }
}
