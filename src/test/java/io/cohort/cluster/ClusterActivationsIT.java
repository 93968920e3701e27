package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.Budget;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One activation set for the cluster: a process started with another list in its config.yml (here
 * none) only warns, and its workers write the outbox rows of the cluster's set for the people of
 * its partitions; the set changes when an operator applies a process's list. Fails when each
 * worker writes the rows of its own config's activations (the second process's partitions then
 * have no outbox rows).
 */
class ClusterActivationsIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.activations", 4); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void everyWorkerWritesTheClustersActivationsWhateverItsConfigSays() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        ClusterNode configured = node("full", ClusterFixture.ACTIVATIONS, parser);
        ClusterNode bare = node("bare", List.of(), parser);
        try {
            configured.start();
            bare.start();
            ClusterFixture.awaitEachOwnsPartitions(List.of(configured, bare));
            assertThat(configured.activationDifference()).isEmpty();
            assertThat(bare.activationDifference()).as("the process without activations is told").isPresent();

            ClusterFixture.append(log, parser, new RandomRecords(808, ClusterFixture.NOW, 30, 25, 10), 80);
            f.settle(log);
            assertThat(bare.worker().committedMessages()).as("the bare process evaluated people").isPositive();
            ProfileGraph graph = f.replay(parser);
            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(f.realized()).isEqualTo(fresh);
            assertThat(f.outboxAdds()).as("outbox adds = consenting members of the cluster's bound segments, from every partition")
                    .isEqualTo(ClusterRebalanceIT.expectedAdds(graph, fresh)).isNotEmpty();

            // On purpose: the bare process's list becomes the cluster's, then the full one again.
            assertThat(bare.applyActivations()).contains("now []");
            assertThat(configured.activationDifference()).isPresent();
            assertThat(bare.activationDifference()).isEmpty();
            configured.applyActivations();
            assertThat(configured.activationDifference()).isEmpty();
        } finally {
            bare.stop();
            configured.stop();
        }
    }

    private static ClusterNode node(String name, List<io.cohort.audience.ActivationBinding> activations, RecordParser parser) {
        return new ClusterNode(f.config(name), f.jdbi, Jackson.newObjectMapper(), parser, activations, f.book, f.clock,
                ClusterFixture.RETENTION, Budget.DEFAULT);
    }
}
