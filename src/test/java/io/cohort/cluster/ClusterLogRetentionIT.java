package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.Budget;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cluster.logRetention: the relay's holder deletes published entries older than it (1 s here),
 * and a process that needs them afterwards — a new one, or one whose snapshot is older than the
 * first entry left — loads the store up to that entry and replays the rest of the log. Random
 * batches (merges, splits, deletes, events) go through the service's cluster write path, which
 * stores records and journals them in one transaction. Graphs and memberships equal a fresh
 * evaluation of the whole store. Fails when a start skips the deleted entries instead of loading
 * them, or when the relay does not truncate.
 */
class ClusterLogRetentionIT {
    @TempDir static Path rules;
    @TempDir Path dir;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.retention", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void processesStartingAfterTruncationLoadTheStoreThenTheLog() throws Exception {
        ObjectMapper json = Jackson.newObjectMapper();
        RecordParser parser = new RecordParser(new IngestLimits());
        RecordStore store = new RecordStore(f.jdbi, json);
        IngestLog log = new IngestLog(f.jdbi, json);
        Pipeline pipeline = Pipeline.journaled(Map.of(), parser, store, log::append, f.clock, new MetricRegistry());
        RandomRecords gen = new RandomRecords(31, ClusterFixture.NOW, 30, 25, 10);
        Path snapshot = dir.resolve("a.snapshot");

        ClusterNode a = node("a", snapshot, store, parser);
        ClusterNode b = null;
        ClusterNode again = null;
        try {
            a.start();
            ClusterFixture.ingest(pipeline, gen, 60);
            f.settle(log);
            f.clock.advance(Duration.ofSeconds(2)); // receipt times come from the service's (here manual) clock
            long first = awaitTruncated(log, 2);
            ClusterFixture.ingest(pipeline, gen, 20);

            b = node("b", null, store, parser);
            b.start();
            assertThat(b.loadedFromStoreUpTo()).as("a new process loads what the log no longer holds").isGreaterThanOrEqualTo(first - 1);
            f.settle(log);
            assertSame(a, b);

            // a stops (its snapshot at the log's end), the log moves on and is truncated past it.
            a.stop();
            long at = log.last();
            ClusterFixture.ingest(pipeline, gen, 30);
            f.settle(log);
            f.clock.advance(Duration.ofSeconds(2));
            awaitTruncated(log, at + 2);
            again = node("a", snapshot, store, parser);
            again.start();
            assertThat(again.startedFromEntry()).as("a snapshot older than the log is of no use").isZero();
            assertThat(again.loadedFromStoreUpTo()).as("the store instead").isGreaterThan(at);
            f.settle(log);
            assertSame(b, again);
        } finally {
            if (again != null) again.stop();
            if (b != null) b.stop();
            a.stop();
        }
    }

    /** Both graphs evaluate as the whole store does, and the stored memberships are that evaluation. */
    private static void assertSame(ClusterNode x, ClusterNode y) throws Exception {
        ProfileGraph stored = new ProfileGraph();
        Pipeline.loadInto(new RecordStore(f.jdbi, Jackson.newObjectMapper()), stored, java.time.Instant.MIN, Long.MAX_VALUE, n -> {});
        Set<Qualified> fresh = FreshEvaluation.of(stored, f.book, f.clock, 2);
        assertThat(y.graph().personIds()).containsExactlyInAnyOrderElementsOf(stored.personIds());
        assertThat(x.graph().personIds()).containsExactlyInAnyOrderElementsOf(stored.personIds());
        assertThat(FreshEvaluation.of(y.graph(), f.book, f.clock, 2)).isEqualTo(fresh);
        assertThat(FreshEvaluation.of(x.graph(), f.book, f.clock, 2)).isEqualTo(fresh);
        assertThat(f.realized()).isEqualTo(fresh);
        assertThat(f.feedViolations()).isEmpty();
    }

    /** Waits until the log starts at entry {@code atLeast} or later; returns its first entry. */
    private static long awaitTruncated(IngestLog log, long atLeast) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (log.first() < atLeast) {
            if (System.nanoTime() > until) throw new AssertionError("the log was not truncated to entry " + atLeast + ": starts at " + log.first());
            Thread.sleep(100);
        }
        return log.first();
    }

    private static ClusterNode node(String name, Path snapshot, RecordStore store, RecordParser parser) {
        ClusterConfig config = f.config(name).logRetention(io.dropwizard.util.Duration.seconds(1))
                .leaseDuration(io.dropwizard.util.Duration.seconds(2));
        ClusterNode n = new ClusterNode(config, f.jdbi, Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book, f.clock,
                ClusterFixture.RETENTION, Budget.DEFAULT);
        n.useStore(ClusterFixture.storeLoader(store));
        if (snapshot != null) n.useSnapshot(new ClusterSnapshot(snapshot, new IngestLog(f.jdbi, Jackson.newObjectMapper()), () -> store.position().storeId()));
        return n;
    }
}
