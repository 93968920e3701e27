package io.cohort.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.utils.Utils;

/**
 * One unit of evaluation work: evaluate {@code person} (a unified id) with data at least as new as
 * ingest batch {@code batch}. The Kafka record's key is the person, its value the batch; so all
 * work of one person lands in one partition, in order, and its memberships are written by one
 * process at a time. Evaluating a person is a pure function of the data, so a message handled
 * twice, or late, changes nothing that a fresh evaluation would not.
 *
 * @param segments the segments to evaluate (a rule edit, the clock's sweep); empty: all of them.
 *                 Sent as the record header {@value #SEGMENTS_HEADER}, one id per line.
 * @param cause    why (header {@value WorkCause#HEADER})
 * @param sweep    the sweep it belongs to ({@link ClusterSweeps}, header {@value ClusterSweeps#HEADER}); 0: none
 */
public record WorkMessage(String person, long batch, Set<String> segments, WorkCause cause, long sweep) {
    public static final String SEGMENTS_HEADER = "cohort-segments";
    /**
     * Names, instead of segments, "those whose rules match an Activity, in the rules the worker
     * evaluates with": the work of people who saw only new events. Resolved by the worker, so a
     * rule edit between publishing and evaluating cannot leave out a segment that now reads events.
     * Never a segment id (those are lower-case letters, digits, '.', '_' and '-').
     */
    public static final String EVENT_READERS_TOKEN = "@events";
    public static final Set<String> EVENT_READERS = Set.of(EVENT_READERS_TOKEN);

    public WorkMessage {
        segments = Set.copyOf(segments);
    }

    /** Work that belongs to no sweep. */
    public WorkMessage(String person, long batch, Set<String> segments, WorkCause cause) { this(person, batch, segments, cause, 0); }

    /** Work of an ingest batch, for every segment. */
    public WorkMessage(String person, long batch) { this(person, batch, Set.of(), WorkCause.INGEST); }

    /** The header's value; null for every segment. */
    static byte[] header(Set<String> segments) {
        return segments.isEmpty() ? null : String.join("\n", new TreeSet<>(segments)).getBytes(StandardCharsets.UTF_8);
    }

    /** The segments a header names; empty (every segment) without one. */
    static Set<String> segments(byte[] header) {
        if (header == null || header.length == 0) return Set.of();
        return Set.of(new String(header, StandardCharsets.UTF_8).split("\n"));
    }

    /** The partition Kafka's default partitioner gives this key: murmur2 of its UTF-8 bytes. */
    public static int partitionOf(String person, int partitions) {
        return Utils.toPositive(Utils.murmur2(person.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
