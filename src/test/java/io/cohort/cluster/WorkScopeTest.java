package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.cluster.PartitionWorker.Scope;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * What a worker evaluates for the records of one poll, and why: a person with work for every
 * segment once for all of them, the others for the union of the segments their records name;
 * the cause is the first of ingest, rules, clock, re-evaluate, consistency among their records.
 */
class WorkScopeTest {
    static final Set<String> ALL = Set.of("a", "b", "c");

    static ConsumerRecord<String, Long> record(String person, WorkCause cause, String... segments) {
        return record(person, 1L, cause, segments);
    }

    static final long WALL = 1_800_000_000_000L;

    static ConsumerRecord<String, Long> record(String person, long batch, WorkCause cause, String... segments) {
        return record(person, batch, WALL, cause, segments);
    }

    static ConsumerRecord<String, Long> record(String person, long batch, long publishedAt, WorkCause cause, String... segments) {
        ConsumerRecord<String, Long> r = new ConsumerRecord<>("work", 0, 0, publishedAt, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 0, person, batch, new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        byte[] h = WorkMessage.header(Set.of(segments));
        if (h != null) r.headers().add(WorkMessage.SEGMENTS_HEADER, h);
        if (cause.header() != null) r.headers().add(WorkCause.HEADER, cause.header());
        return r;
    }

    @Test
    void everySegmentWinsAndNamedSegmentsAddUp() {
        Map<Scope, Set<String>> scopes = PartitionWorker.scopes(List.of(
                record("p1", WorkCause.RULES, "a"), record("p1", WorkCause.INGEST),   // a rule edit, then ingest: everything
                record("p2", WorkCause.INGEST), record("p2", WorkCause.RULES, "b"),   // ingest, then a rule edit: still everything
                record("p3", WorkCause.RULES, "a"), record("p3", WorkCause.RULES, "b"), // two rule edits: both segments
                record("p4", WorkCause.RULES, "b", "a"),                              // one edit of two segments: as p3
                record("p5", WorkCause.CLOCK, "c"),                                   // the clock's sweep
                record("p6", WorkCause.CONSISTENCY), record("p6", WorkCause.CLOCK),   // a check and a closing window: the clock's
                record("p7", WorkCause.CONSISTENCY)), ALL, Set.of("c"));              // a check alone
        assertThat(scopes).isEqualTo(Map.of(
                new Scope(ALL, WorkCause.INGEST), Set.of("p1", "p2"),
                new Scope(Set.of("a", "b"), WorkCause.RULES), Set.of("p3", "p4"),
                new Scope(Set.of("c"), WorkCause.CLOCK), Set.of("p5"),
                new Scope(ALL, WorkCause.CLOCK), Set.of("p6"),
                new Scope(ALL, WorkCause.CONSISTENCY), Set.of("p7")));
    }

    @Test
    void peopleWhoSawOnlyEventsAreEvaluatedForTheSegmentsThatReadThemUnderTheWorkersRules() {
        String events = WorkMessage.EVENT_READERS_TOKEN;
        Map<Scope, Set<String>> scopes = PartitionWorker.scopes(List.of(
                record("p1", WorkCause.INGEST, events),                               // new events only
                record("p2", WorkCause.INGEST, events), record("p2", WorkCause.INGEST), // events, then a record: everything
                record("p3", WorkCause.INGEST, events), record("p3", WorkCause.RULES, "a")), // events and an edit of a
                ALL, Set.of("b", "c"));
        assertThat(scopes).isEqualTo(Map.of(
                new Scope(Set.of("b", "c"), WorkCause.INGEST), Set.of("p1"),
                new Scope(ALL, WorkCause.INGEST), Set.of("p2", "p3")));
        assertThat(PartitionWorker.scopes(List.of(record("p1", WorkCause.INGEST, events)), ALL, Set.of()))
                .as("no segment reads events: nothing to evaluate, never 'every segment'").isEmpty();
    }

    @Test
    void aCheckCountsOnlyWhenTheGraphHeldNothingNewerThanTheCheck() {
        var check = record("p1", 100, WorkCause.CONSISTENCY);
        assertThat(PartitionWorker.checkAttributable(List.of(check), 100, WALL)).isTrue();
        assertThat(PartitionWorker.checkAttributable(List.of(check), 101, WALL)).as("newer data in the graph").isFalse();
        assertThat(PartitionWorker.checkAttributable(List.of(check, record("p2", 105, WorkCause.INGEST)), 105, WALL))
                .as("newer ingest work of someone else in the same poll does not make the check's batch newer").isFalse();
        assertThat(PartitionWorker.checkAttributable(List.of(record("p2", 105, WorkCause.INGEST)), 105, WALL)).as("no check").isFalse();
    }

    @Test
    void aCheckReadLongAfterItWasPublishedDoesNotCount() {
        long lag = ConsistencySample.LAG.toMillis();
        assertThat(PartitionWorker.checkAttributable(List.of(record("p1", 100, WALL - lag, WorkCause.CONSISTENCY)), 100, WALL))
                .as("read within the lag").isTrue();
        assertThat(PartitionWorker.checkAttributable(List.of(record("p1", 100, WALL - lag - 1, WorkCause.CONSISTENCY)), 100, WALL))
                .as("read later: windows may have closed since, which are the clock's work").isFalse();
        assertThat(PartitionWorker.checkAttributable(List.of(record("p1", 100, WALL, WorkCause.CONSISTENCY),
                record("p2", 100, WALL - lag - 1, WorkCause.CONSISTENCY)), 100, WALL)).as("any stale check in the poll").isFalse();
    }

    @Test
    void theHeadersNameSegmentsAndCause() {
        assertThat(WorkMessage.segments(WorkMessage.header(Set.of("late-stage-deals", "probe-events"))))
                .isEqualTo(Set.of("late-stage-deals", "probe-events"));
        assertThat(WorkMessage.header(Set.of())).isNull();
        assertThat(WorkMessage.segments(null)).isEmpty();
        for (WorkCause c : WorkCause.values()) assertThat(WorkCause.of(c.header())).isEqualTo(c);
        assertThat(WorkCause.INGEST.header()).as("ingest, the bulk of the work, carries no header").isNull();
        assertThat(WorkCause.of("from a newer version".getBytes())).isEqualTo(WorkCause.INGEST);
    }
}
