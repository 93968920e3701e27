package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.record.RecordChange;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers of one consumer group share the evaluation work while partitions move between them:
 * random batches (email changes merging and splitting people, MDM links merging and splitting
 * accounts, deals and events moving, deletes) are applied to a profile graph and their work
 * published, as ingest does; a second worker joins mid-stream, the first leaves, a third joins.
 * At the end the memberships committed to PostgreSQL equal a fresh single-process evaluation of
 * the final graph, every (segment, person) change feed alternates and ends in the membership (no
 * lost, no duplicated change), the outbox wants exactly the consenting members, and moving every
 * partition again while everyone is evaluated once more changes nothing.
 *
 * <p>The workers run in this JVM and read one shared profile graph: each process replicating the
 * graph from the shared store is not built yet (docs/scale-out.md).
 */
class ClusterRebalanceIT {
    static final int PARTITIONS = 6;
    static final int BATCHES = Integer.getInteger("cluster.batches", 240);

    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.work", PARTITIONS); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void rebalancesLoseAndDuplicateNothing() throws Exception {
        long started = System.nanoTime();
        ProfileGraph graph = new ProfileGraph();
        AtomicLong applied = new AtomicLong();
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(Long.getLong("cluster.seed", 20261202L), ClusterFixture.NOW, 60, 40, 14);
        int depth = f.book.shape().depth();
        List<PartitionWorker> all = new ArrayList<>();
        PartitionWorker first = f.worker("w1", graph, applied::get);
        all.add(first);
        first.start();
        PartitionWorker second = null, third = null;
        long published = 0;
        try (WorkPublisher publisher = new WorkPublisher(f.config("ingest"))) {
            for (int step = 1; step <= BATCHES; step++) {
                RandomRecords.Batch b = gen.next();
                List<RecordChange> changes = parser.parse(new ArrayList<JsonNode>(b.records()));
                var touched = graph.apply(b.source(), changes, step);
                applied.set(step);
                Set<String> people = graph.affected(touched, depth);
                publisher.publish(people, step);
                published += people.size();
                if (step == BATCHES / 4) {
                    second = f.worker("w2", graph, applied::get);
                    all.add(second);
                    second.start();
                }
                if (step == BATCHES / 2) first.stop();
                if (step == 3 * BATCHES / 4) {
                    third = f.worker("w3", graph, applied::get);
                    all.add(third);
                    third.start();
                }
                if (step % 20 == 0) Thread.sleep(150); // let rebalances happen while work flows
            }
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).as("workers caught up with the topic").isTrue();
            long ingestMillis = (System.nanoTime() - started) / 1_000_000;

            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            Set<Qualified> committed = f.realized();
            assertThat(fresh).as("the random data qualifies people").isNotEmpty();
            assertThat(committed).as("memberships in PostgreSQL = a fresh single-process evaluation").isEqualTo(fresh);
            assertThat(f.feedViolations()).as("change feeds fold to the memberships").isEmpty();
            assertThat(f.outboxAdds()).as("outbox adds = consenting members of bound segments").isEqualTo(expectedAdds(graph, fresh));
            assertThat(first.committedMessages()).as("w1 worked before it left").isPositive();
            assertThat(second.committedMessages()).as("w2 worked after it joined").isPositive();

            // Partitions move again (w2 leaves, w4 joins) while everyone is evaluated once more: nothing changes.
            long changes = f.changeCount();
            long before = third.committedMessages();
            PartitionWorker fourth = f.worker("w4", graph, applied::get);
            all.add(fourth);
            fourth.start();
            second.stop();
            Set<String> everyone = new TreeSet<>(graph.personIds());
            committed.forEach(q -> everyone.add(q.personId()));
            publisher.publish(everyone, BATCHES);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(third.committedMessages() + fourth.committedMessages() - before).as("everyone evaluated again")
                    .isGreaterThanOrEqualTo(everyone.size());
            assertThat(f.changeCount()).as("people only moved between partitions: no change").isEqualTo(changes);
            assertThat(f.realized()).isEqualTo(fresh);
            System.out.printf("cluster rebalance: %d batches, %d work messages (+%d), %d changes, %d members; "
                            + "commits w1 %d, w2 %d, w3 %d, w4 %d; refused %d; ingest+catch-up %d ms, total %d ms%n",
                    BATCHES, published, everyone.size(), changes, fresh.size(), first.committedMessages(), second.committedMessages(),
                    third.committedMessages(), fourth.committedMessages(), all.stream().mapToLong(PartitionWorker::refusals).sum(),
                    ingestMillis, (System.nanoTime() - started) / 1_000_000);
        } finally {
            for (PartitionWorker w : all) w.stop();
        }
    }

    static Set<String> expectedAdds(ProfileGraph graph, Set<Qualified> members) {
        Set<String> out = new TreeSet<>();
        for (var a : ClusterFixture.ACTIVATIONS) {
            for (Qualified q : members) {
                if (!q.segmentId().equals(a.segmentId())) continue;
                boolean optedOut = graph.person(q.personId()).map(u -> u.person().emailOptOut()).orElse(true);
                if (!optedOut) out.add(a.id() + "/" + q.personId());
            }
        }
        return out;
    }
}
