package io.cohort.cluster;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * One unit of evaluation work: evaluate {@code person} (a unified id) with data at least as new as
 * ingest batch {@code batch}. The Kafka record's key is the person, its value the batch; so all
 * work of one person lands in one partition, in order, and its memberships are written by one
 * process at a time. Evaluating a person is a pure function of the data, so a message handled
 * twice, or late, changes nothing that a fresh evaluation would not.
 */
public record WorkMessage(String person, long batch) {

    /** The partition Kafka's default partitioner gives this key: murmur2 of its UTF-8 bytes. */
    public static int partitionOf(String person, int partitions) {
        return Utils.toPositive(Utils.murmur2(person.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
