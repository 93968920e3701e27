package io.cohort.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes the work an accepted batch causes: one message per person whose neighbourhood it
 * touched. Returns once the broker has the messages (acks=all, idempotent producer), so work
 * published before a crash is not lost.
 */
public final class WorkPublisher implements AutoCloseable {
    private final KafkaProducer<String, Long> producer;
    private final String topic;
    /** The partitions people are keyed to (TopicPartitions), never the topic's metadata, which an operator can grow. */
    private volatile int partitions;

    public WorkPublisher(ClusterConfig config) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "cohort-work-" + config.nodeId());
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new LongSerializer());
        this.topic = config.topic();
        this.partitions = config.partitions();
    }

    /** Keys people to {@code partitions} partitions from now on (the count the cluster recorded). */
    void keyTo(int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("partitions: " + partitions);
        this.partitions = partitions;
    }

    /** Publishes work for {@code people} as of {@code batch}, and waits for the broker's acknowledgment. */
    public void publish(Collection<String> people, long batch) {
        publish(people, batch, java.util.Set.of(), WorkCause.INGEST);
    }

    /** As {@link #publish(Collection, long)}, for {@code segments} only (empty: all), for {@code cause}. */
    void publish(Collection<String> people, long batch, java.util.Set<String> segments, WorkCause cause) {
        publish(people, batch, segments, cause, 0);
    }

    /** As {@link #publish(Collection, long, java.util.Set, WorkCause)}, as work of {@code sweep} (0: none). */
    void publish(Collection<String> people, long batch, java.util.Set<String> segments, WorkCause cause, long sweep) {
        publish(people.stream().map(p -> new WorkMessage(p, batch, segments, cause, sweep)).toList());
    }

    /** Publishes {@code work} in order, and waits for the broker's acknowledgment of all of it. */
    public void publish(List<WorkMessage> work) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(work.size());
        for (WorkMessage w : work) {
            // The partition the default partitioner gives the key on a topic of that many partitions.
            ProducerRecord<String, Long> r = new ProducerRecord<>(topic, WorkMessage.partitionOf(w.person(), partitions), w.person(), w.batch());
            byte[] scope = WorkMessage.header(w.segments());
            if (scope != null) r.headers().add(WorkMessage.SEGMENTS_HEADER, scope);
            byte[] cause = w.cause().header();
            if (cause != null) r.headers().add(WorkCause.HEADER, cause);
            if (w.sweep() > 0) r.headers().add(ClusterSweeps.HEADER, ClusterSweeps.header(w.sweep()));
            sent.add(producer.send(r));
        }
        producer.flush();
        try {
            for (Future<RecordMetadata> f : sent) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing work", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("work not published: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override public void close() { producer.close(); }
}
