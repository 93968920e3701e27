package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * What a worker evaluates for the records of one poll: a person with work for every segment
 * once for all of them, the others for the union of the segments their records name.
 */
class WorkScopeTest {
    static final Set<String> ALL = Set.of("a", "b", "c");

    static ConsumerRecord<String, Long> record(String person, String... segments) {
        ConsumerRecord<String, Long> r = new ConsumerRecord<>("work", 0, 0, person, 1L);
        byte[] h = WorkMessage.header(Set.of(segments));
        if (h != null) r.headers().add(WorkMessage.SEGMENTS_HEADER, h);
        return r;
    }

    @Test
    void everySegmentWinsAndNamedSegmentsAddUp() {
        Map<Set<String>, Set<String>> scopes = PartitionWorker.scopes(List.of(
                record("p1", "a"), record("p1"),          // a rule edit, then ingest: everything
                record("p2"), record("p2", "b"),          // ingest, then a rule edit: still everything
                record("p3", "a"), record("p3", "b"),     // two rule edits: both segments
                record("p4", "b", "a"),                   // one edit of two segments: the same scope as p3
                record("p5", "c")), ALL);
        assertThat(scopes).isEqualTo(Map.of(
                ALL, Set.of("p1", "p2"),
                Set.of("a", "b"), Set.of("p3", "p4"),
                Set.of("c"), Set.of("p5")));
    }

    @Test
    void theHeaderNamesEachSegmentOnce() {
        assertThat(WorkMessage.segments(WorkMessage.header(Set.of("late-stage-deals", "probe-events"))))
                .isEqualTo(Set.of("late-stage-deals", "probe-events"));
        assertThat(WorkMessage.header(Set.of())).isNull();
        assertThat(WorkMessage.segments(null)).isEmpty();
    }
}
