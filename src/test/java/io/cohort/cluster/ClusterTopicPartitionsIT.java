package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator adds partitions to the live work topic (kafka-topics --alter), as one does to
 * spread a Kafka consumer group wider. Kafka's partitioner would then send most people's new
 * work to other partitions than their earlier work, which may still wait in the old ones, and
 * two workers could evaluate one person at once, the answer from the older graph landing last.
 * The cluster keys work to the partition count it recorded when it was set up: after the alter
 * and a restart of every process, no message reaches the new partitions, the start warns (log
 * and the cluster health check), and memberships equal a fresh evaluation. Fails when work is
 * keyed by the topic's metadata: the new partitions receive messages.
 */
class ClusterTopicPartitionsIT {
    static final String TOPIC = "cohort.partitions";
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, TOPIC, 4); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void partitionsAddedToTheLiveTopicStayEmptyAndPeopleKeepTheirPartition() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(20261206L, ClusterFixture.NOW, 40, 30, 10);
        ClusterNode first = f.startNode("p1", parser);
        try {
            ClusterFixture.append(log, parser, gen, 40);
            settle(log, 4);
            assertThat(first.partitionWarning()).as("nothing to say about a topic as created").isEmpty();
        } finally {
            first.stop();
        }

        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, f.kafka.bootstrapServers()))) {
            admin.createPartitions(Map.of(TOPIC, NewPartitions.increaseTo(6))).all().get(30, TimeUnit.SECONDS);
        }
        ClusterNode a = f.startNode("p2", parser);
        ClusterNode b = f.startNode("p3", parser);
        try {
            assertThat(a.partitionWarning()).as("the start says what it found").hasValueSatisfying(w -> assertThat(w)
                    .contains("has 6 partitions").contains("keys its work to the 4").contains("partitions 4 to 5 stay empty"));
            ClusterFixture.append(log, parser, gen, 60);
            settle(log, 6);
            Map<Integer, Long> ends = f.endOffsets(TOPIC, 6);
            assertThat(ends.get(0) + ends.get(1) + ends.get(2) + ends.get(3)).as("work after the alter").isPositive();
            assertThat(ends.get(4) + ends.get(5)).as("messages in the partitions added to the live topic").isZero();
            assertThat(f.realized()).as("memberships = a fresh evaluation of the log")
                    .isEqualTo(FreshEvaluation.of(f.replay(parser), f.book, f.clock, 2));
            assertThat(f.feedViolations()).isEmpty();
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void theFirstRecordedCountHoldsAndATopicWithFewerPartitionsIsRefused() {
        String topic = "cohort.partitions.unit";
        assertThat(TopicPartitions.settle(f.jdbi, topic, 12, "x", 1)).isEqualTo(12);
        assertThat(TopicPartitions.settle(f.jdbi, topic, 24, "y", 2)).as("a later process finds the first count").isEqualTo(12);
        assertThat(TopicPartitions.check(topic, 12, 12, 12)).isEmpty();
        assertThat(TopicPartitions.check(topic, 12, 12, 24)).hasValueSatisfying(w -> assertThat(w).contains("cluster.partitions is 24"));
        assertThatThrownBy(() -> TopicPartitions.check(topic, 12, 6, 12)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has 6 partitions").hasMessageContaining("deleted and created again");
    }

    private static void settle(IngestLog log, int partitions) throws InterruptedException {
        f.awaitPublished(log.last(), Duration.ofSeconds(60));
        assertThat(f.awaitCaughtUp(TOPIC, partitions, Duration.ofSeconds(60))).isTrue();
    }
}
