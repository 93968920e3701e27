package io.cohort.cluster;

import io.cohort.engine.Budget;
import io.cohort.engine.ManualClock;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.FreshEvaluation;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/**
 * A Cohort cluster process for the kill test: a {@link ClusterNode} on the given PostgreSQL and
 * Kafka, until it is killed. Arguments: jdbcUrl bootstrapServers topic partitions nodeId rulesDir now.
 */
public final class ClusterWorkerProcess {
    private ClusterWorkerProcess() {}

    public static void main(String[] args) throws Exception {
        ManualClock clock = new ManualClock(Instant.parse(args[6]));
        ClusterConfig config = new ClusterConfig().mode("kafka").bootstrapServers(args[1]).topic(args[2])
                .partitions(Integer.parseInt(args[3])).groupId(ClusterFixture.groupId(args[2])).nodeId(args[4])
                .sessionTimeout(io.dropwizard.util.Duration.seconds(3)).leaseDuration(io.dropwizard.util.Duration.seconds(3));
        Jdbi jdbi = Jdbi.create(args[0], "postgres", "postgres");
        ClusterNode node = new ClusterNode(config, jdbi, Jackson.newObjectMapper(), new RecordParser(new IngestLimits()),
                ClusterFixture.ACTIVATIONS, FreshEvaluation.compile(Path.of(args[5]), clock), clock, ClusterFixture.RETENTION,
                Budget.DEFAULT);
        node.start();
        System.out.println("READY " + args[4] + " at batch " + node.feed().applied());
        System.out.flush();
        for (;;) {
            Thread.sleep(2000);
            System.out.printf("%tT status: graph at batch %d, partitions %s, committed %d messages (%d commits), refused %d%n",
                    System.currentTimeMillis(), node.feed().applied(), new java.util.TreeSet<>(node.worker().owned()),
                    node.worker().committedMessages(), node.worker().commits(), node.worker().refusals());
        }
    }
}
