package io.cohort.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;

/**
 * The clock task in cluster mode (engine.manualClock: tests and demos): moves the cluster's time
 * ({@link SharedManualClock}) and returns once the audiences are at that time, as the task does in
 * single mode: the clock holder has handled time up to it (cluster_clock.ticked_up_to, stored after
 * it published the people whose windows closed), and every partition's stored offset has reached
 * the end the topic had then (the workers committed that work).
 */
public final class ManualTime {
    private final Jdbi jdbi;
    private final SharedManualClock clock;
    private final ClusterConfig config;

    public ManualTime(Jdbi jdbi, SharedManualClock clock, ClusterConfig config) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.config = config;
    }

    /**
     * Sets the time, then advances it (either or both absent), then waits.
     *
     * @return the cluster's new time
     * @throws java.util.concurrent.TimeoutException when the cluster has not caught up within {@code timeout} (the time is
     *         moved all the same)
     */
    public Instant move(Optional<Instant> set, Optional<Duration> advance, Duration timeout)
            throws InterruptedException, java.util.concurrent.TimeoutException {
        clock.refresh();
        Instant to = clock.instant();
        if (set.isPresent()) to = clock.set(set.get());
        if (advance.isPresent()) to = clock.advance(advance.get());
        long until = System.nanoTime() + timeout.toNanos();
        while (handledUpTo() < to.toEpochMilli()) {
            if (System.nanoTime() > until) {
                throw new java.util.concurrent.TimeoutException("the cluster's time is " + to + ", but no process handled it within " + timeout
                        + " (cluster_clock at " + Instant.ofEpochMilli(handledUpTo()) + "): is any node running?");
            }
            Thread.sleep(50);
        }
        Map<Integer, Long> ends = endOffsets();
        PartitionClaims claims = new PartitionClaims(jdbi, config.topic());
        while (!claims.caughtUp(ends)) {
            if (System.nanoTime() > until) {
                throw new java.util.concurrent.TimeoutException("the cluster's time is " + to + " and its closing windows are published, but the "
                        + "workers have not committed them within " + timeout + " (offsets " + claims.nextOffsets() + ", topic ends " + ends + ")");
            }
            Thread.sleep(50);
        }
        return to;
    }

    private long handledUpTo() {
        return jdbi.withHandle(h -> h.createQuery("SELECT ticked_up_to FROM cluster_clock WHERE id = 1").mapTo(Long.class)
                .findOne().orElse(Long.MIN_VALUE));
    }

    /** The work topic's end offsets, of the partitions the cluster keys work to ({@link TopicPartitions}). */
    private Map<Integer, Long> endOffsets() {
        int partitions = TopicPartitions.recorded(jdbi, config.topic());
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) latest.put(new TopicPartition(config.topic(), p), OffsetSpec.latest());
            Map<Integer, Long> out = new java.util.TreeMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp.partition(), info.offset()));
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the work topic's offsets", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the work topic's offsets could not be read: " + e, e);
        }
    }
}
