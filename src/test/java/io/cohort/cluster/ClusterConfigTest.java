package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.CohortConfiguration;
import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster: block: single by default (the shipped config.yml too), kafka checked for what it needs. */
class ClusterConfigTest {
    static final String DB = "database: {driverClass: org.h2.Driver, url: \"jdbc:h2:mem:x\"}\n";

    @TempDir Path tmp;

    private CohortConfiguration load(String yaml) throws Exception {
        Path file = tmp.resolve("c.yml");
        Files.writeString(file, yaml.contains("\ndatabase:") || yaml.startsWith("database:") ? yaml : DB + yaml);
        return new YamlConfigurationFactory<>(CohortConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)),
                        file.toString());
    }

    @Test void singleProcessIsTheDefault() throws Exception {
        assertThat(load(DB).cluster().mode())
                .isEqualTo(ClusterConfig.Mode.SINGLE);
        assertThat(load(Files.readString(Path.of("config.yml"))).cluster().mode()).isEqualTo(ClusterConfig.Mode.SINGLE);
    }

    @Test void kafkaModeReadsItsKeys() throws Exception {
        ClusterConfig c = load("cluster: {mode: kafka, bootstrapServers: \"k1:9092,k2:9092\", topic: acme.work, partitions: 24, "
                + "groupId: acme, nodeId: node-7}\n").cluster();
        assertThat(c.mode()).isEqualTo(ClusterConfig.Mode.KAFKA);
        assertThat(c.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(c.topic()).isEqualTo("acme.work");
        assertThat(c.partitions()).isEqualTo(24);
        assertThat(c.groupId()).isEqualTo("acme");
        assertThat(c.nodeId()).isEqualTo("node-7");
    }

    /** deploy/cluster-config.yml (the compose file's nodes) is a valid kafka-mode configuration with the compose file's environment. */
    @Test void theDeployedClusterConfigurationLoads() throws Exception {
        var env = java.util.Map.of("COHORT_DB_URL", "jdbc:postgresql://postgres:5432/cohort", "COHORT_DB_USER", "cohort",
                "COHORT_DB_PASSWORD", "cohort", "COHORT_TOKEN", "t0ken-for-the-test", "KAFKA_BOOTSTRAP", "kafka:9092",
                "COHORT_NODE_ID", "cohort-1");
        var sub = new org.apache.commons.text.StringSubstitutor(env);
        sub.setEnableUndefinedVariableException(true);
        CohortConfiguration c = new YamlConfigurationFactory<>(CohortConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(), sub), "deploy/cluster-config.yml");
        assertThat(c.cluster().mode()).isEqualTo(ClusterConfig.Mode.KAFKA);
        assertThat(c.cluster().bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(c.cluster().nodeId()).isEqualTo("cohort-1");
        assertThat(c.database().getUrl()).startsWith("jdbc:postgresql:");
        assertThat(c.sources().values()).allMatch(f -> f.pull() == null);

        // The compose file hands every node that environment, and Kafka advertises what they dial.
        var compose = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(Path.of("deploy/docker-compose.yml").toFile()).get("services");
        assertThat(compose.get("kafka").get("environment").get("KAFKA_ADVERTISED_LISTENERS").asText()).isEqualTo("PLAINTEXT://kafka:9092");
        for (String node : java.util.List.of("cohort-1", "cohort-2")) {
            var e = compose.get(node).get("environment");
            assertThat(e.get("COHORT_NODE_ID").asText()).isEqualTo(node);
            for (String key : env.keySet()) assertThat(e.has(key)).as("%s sets %s", node, key).isTrue();
            assertThat(e.get("KAFKA_BOOTSTRAP").asText()).isEqualTo("kafka:9092");
        }
    }

    @Test void refusalsNameTheKey() {
        assertThatThrownBy(() -> load("cluster: {mode: kafka}\n")).isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("cluster.bootstrapServers is required");
        assertThatThrownBy(() -> load("cluster: {mode: zookeeper}\n")).isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("cluster.mode must be single or kafka");
        assertThatThrownBy(() -> load("cluster: {mode: kafka, bootstrapServers: k:9092, topic: \"a topic\"}\n"))
                .hasMessageContaining("cluster.topic");
        assertThatThrownBy(() -> load("cluster: {partitions: 0}\n")).hasMessageContaining("cluster.partitions");
    }
}
