package io.cohort.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

/**
 * One KRaft node (broker and controller combined) from Kafka's own test kit, as Kafka's tests start
 * it: format, start, wait until the broker is ready. Settings sized for a 2-core CI machine.
 */
final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit kit;

    private EmbeddedKafka(KafkaClusterTestKit kit) { this.kit = kit; }

    static EmbeddedKafka start() throws Exception {
        // The broker's fatal-error paths (also while it closes in a shutdown hook) call Kafka's
        // Exit.exit/halt, which would end the test JVM with a non-zero code: surefire then fails
        // the build after every test passed ("Error occurred in starting fork"). As Kafka's own
        // tests do, say so instead; a broker that really failed fails the tests that use it.
        Exit.setExitProcedure((code, message) -> System.err.println("embedded Kafka asked to exit(" + code + "): " + message));
        Exit.setHaltProcedure((code, message) -> System.err.println("embedded Kafka asked to halt(" + code + "): " + message));
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                // Rebalances in tests should not wait for the production default of 3 s.
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // Workers killed in tests are noticed after their (short) session timeout.
                .setConfigProp("group.min.session.timeout.ms", "1000")
                .setConfigProp("num.network.threads", "1")
                .setConfigProp("num.io.threads", "2")
                .setConfigProp("log.flush.interval.messages", "1")
                .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return new EmbeddedKafka(kit);
    }

    String bootstrapServers() { return kit.bootstrapServers(); }

    void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Override public void close() throws Exception { kit.close(); }
}
