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
