package io.cohort.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.Locale;

/**
 * The {@code cluster:} block of config.yml (docs/scale-out.md). {@code mode: single} (the default)
 * is today's one process per database; {@code mode: kafka} spreads evaluation over a Kafka
 * consumer group, with PostgreSQL as the shared store.
 */
public class ClusterConfig {
    public enum Mode { SINGLE, KAFKA }

    /** single (default) or kafka. */
    @NotNull @JsonProperty private String mode = "single";
    /** Kafka's bootstrap.servers, e.g. "kafka-1:9092,kafka-2:9092" (kafka mode). */
    @JsonProperty private String bootstrapServers;
    /** The work topic: one message per person to evaluate, keyed by the person's unified id. */
    @NotNull @JsonProperty private String topic = "cohort.work";
    /** Partitions of the work topic: the most processes that share the work (used when Cohort creates the topic; an existing topic is left as it is). */
    @Min(1) @Max(10_000) @JsonProperty private int partitions = 12;
    /** The consumer group every Cohort process of one database joins. */
    @NotNull @JsonProperty private String groupId = "cohort";
    /** This process in logs and in cluster_partition.owner; defaults to host name and process id. */
    @JsonProperty private String nodeId;
    /** How long a poll waits for work. */
    @NotNull @JsonProperty private Duration pollTimeout = Duration.milliseconds(200);
    /** Kafka's session timeout: a process silent that long loses its partitions. */
    @NotNull @JsonProperty private Duration sessionTimeout = Duration.seconds(10);
    /** A dispatcher lease lasts this long unless renewed (renewed at a third of it). */
    @NotNull @JsonProperty private Duration leaseDuration = Duration.seconds(15);
    /**
     * Entries of the ingest log older than this, and published, are deleted: a process that
     * needs them loads the store instead (0: kept for ever).
     */
    @NotNull @JsonProperty private Duration logRetention = Duration.days(7);
    /**
     * How often a process reads the ingest log without being told of an append (LISTEN/NOTIFY
     * tells it at once; this is the fallback). The relay also renews its lease at least every
     * third of leaseDuration.
     */
    @NotNull @JsonProperty private Duration logPoll = Duration.seconds(1);

    /**
     * How long a starting process waits for another that holds the database in a way it cannot
     * share (a single-mode service still stopping, say) before it refuses to start
     * (store.InstanceLock; PostgreSQL only).
     */
    @NotNull @JsonProperty private Duration instanceLockWait = Duration.seconds(60);

    public Mode mode() { return Mode.valueOf(mode.toUpperCase(Locale.ROOT)); }
    public String bootstrapServers() { return bootstrapServers; }
    public String topic() { return topic; }
    public int partitions() { return partitions; }
    public String groupId() { return groupId; }
    public Duration pollTimeout() { return pollTimeout; }
    public Duration sessionTimeout() { return sessionTimeout; }
    public Duration leaseDuration() { return leaseDuration; }
    public Duration logRetention() { return logRetention; }
    public Duration logPoll() { return logPoll; }
    public java.time.Duration instanceLockWait() { return java.time.Duration.ofMillis(instanceLockWait.toMilliseconds()); }

    public String nodeId() {
        if (nodeId != null) return nodeId;
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    public ClusterConfig bootstrapServers(String s) { this.bootstrapServers = s; return this; }
    public ClusterConfig mode(String m) { this.mode = m; return this; }
    public ClusterConfig topic(String t) { this.topic = t; return this; }
    public ClusterConfig partitions(int p) { this.partitions = p; return this; }
    public ClusterConfig groupId(String g) { this.groupId = g; return this; }
    public ClusterConfig nodeId(String n) { this.nodeId = n; return this; }
    public ClusterConfig sessionTimeout(Duration d) { this.sessionTimeout = d; return this; }
    public ClusterConfig leaseDuration(Duration d) { this.leaseDuration = d; return this; }
    public ClusterConfig logRetention(Duration d) { this.logRetention = d; return this; }
    public ClusterConfig logPoll(Duration d) { this.logPoll = d; return this; }

    @AssertTrue(message = "cluster.mode must be single or kafka")
    public boolean isModeValid() { return mode != null && (mode.equalsIgnoreCase("single") || mode.equalsIgnoreCase("kafka")); }

    @AssertTrue(message = "cluster.bootstrapServers is required when cluster.mode is kafka")
    public boolean isBootstrapGiven() {
        return !isModeValid() || mode() == Mode.SINGLE || bootstrapServers != null && !bootstrapServers.isBlank();
    }

    @AssertTrue(message = "cluster.topic must be 1-249 letters, digits, '.', '_' or '-' (Kafka's topic names)")
    public boolean isTopicValid() { return topic != null && topic.matches("[A-Za-z0-9._-]{1,249}"); }
}
