package io.cohort.cluster;

import org.jdbi.v3.core.Jdbi;

/**
 * How many partitions of the work topic the cluster keys people to: recorded once, by the first
 * process, from the topic as it found or created it (cluster_topic), and then the same for every
 * process whatever its config.yml or the topic's metadata say. A person's work must stay in one
 * partition: one partition is consumed by one worker in order, and that is what keeps two
 * evaluations of a person from committing out of order.
 */
final class TopicPartitions {
    private TopicPartitions() {}

    /**
     * The recorded count for {@code topic}; records {@code found} (the topic's partitions now)
     * when nothing is recorded yet. Two first processes at once: one insert wins, both read it.
     */
    static int settle(Jdbi jdbi, String topic, int found, String node, long nowMillis) {
        return jdbi.inTransaction(h -> {
            h.execute("INSERT INTO cluster_topic (topic, partitions, recorded_by, recorded_at) VALUES (?, ?, ?, ?) ON CONFLICT (topic) DO NOTHING",
                    topic, found, node, nowMillis);
            return recorded(h, topic);
        });
    }

    /** The recorded count for {@code topic} (after the first process's start). */
    static int recorded(Jdbi jdbi, String topic) { return jdbi.withHandle(h -> recorded(h, topic)); }

    private static int recorded(org.jdbi.v3.core.Handle h, String topic) {
        return h.createQuery("SELECT partitions FROM cluster_topic WHERE topic = ?").bind(0, topic).mapTo(Integer.class).one();
    }

    /**
     * What a start says about the counts, or throws when work cannot be keyed as recorded: a
     * topic with fewer partitions than recorded was deleted and created again, and messages for
     * the missing partitions could not be sent.
     */
    static java.util.Optional<String> check(String topic, int recorded, int found, int configured) {
        if (found < recorded) {
            throw new IllegalStateException("the work topic " + topic + " has " + found + " partitions, but this cluster keys its work "
                    + "to " + recorded + " (table cluster_topic): was the topic deleted and created again? Create it with " + recorded
                    + " partitions, or stop every process, let nothing be in flight, and set cluster_topic.partitions to " + found);
        }
        if (found > recorded) {
            return java.util.Optional.of("the work topic " + topic + " has " + found + " partitions, but this cluster keys its work to the "
                    + recorded + " it was set up with (table cluster_topic): partitions " + recorded + " to " + (found - 1) + " stay "
                    + "empty. Partitions added to a live topic would move people while their earlier work waits in the old ones; "
                    + "to use more, stop every process once all work is committed, then set cluster_topic.partitions to " + found);
        }
        if (configured != recorded) {
            return java.util.Optional.of("cluster.partitions is " + configured + ", but this cluster keys its work to the " + recorded
                    + " partitions it was set up with (table cluster_topic); the setting only counts when the topic is created");
        }
        return java.util.Optional.empty();
    }
}
