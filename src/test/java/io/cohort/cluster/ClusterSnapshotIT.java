package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.Budget;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster process's graph snapshot (engine.snapshotFile): written at a clean stop with the log
 * entry it holds up to; the next start reads it and replays only later entries — here 60 random
 * batches (merges, splits, deletes, events) appended while the process was down, with the relay's
 * mark set back so that the restarted process publishes work for batches its feed never saw
 * (everyone once). The snapshot it reads is a checkpoint's, written while the process ran (as a
 * crash after it leaves it), so it replays the entries after that one. The graph and the
 * memberships equal a replay of the whole log; a snapshot of another database's log is not read. Fails when the start ignores the snapshot, or when the
 * replay after it starts at the wrong entry.
 */
class ClusterSnapshotIT {
    @TempDir static Path rules;
    @TempDir Path dir;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.snapshot", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void aRestartReadsItsSnapshotAndReplaysOnlyTheEntriesAfterIt() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        // Ids numbered per type: the snapshot holds relations of two types with one key apart.
        RandomRecords gen = new RandomRecords(4242, ClusterFixture.NOW, 30, 25, 10, true);
        Path file = dir.resolve("graph.snapshot");

        ClusterNode first = node(file, "this-store", parser);
        try {
            first.start();
            assertThat(first.startedFromEntry()).as("no snapshot yet").isZero();
            ClusterFixture.append(log, parser, gen, 60);
            f.awaitPublished(log.last(), Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            // A checkpoint while running (engine.checkpointInterval): the feed holds still for the write.
            assertThat(first.checkpoint()).hasValueSatisfying(l -> assertThat(l).contains("written at ingest log entry " + checkpointed(log)));
            assertThat(GraphSnapshot.stamp(file)).as("written by a checkpoint").hasValueSatisfying(s -> assertThat(s.lastBatch()).isEqualTo(checkpointed(log)));
            java.nio.file.Files.copy(file, crashed(file));
            var checkpointWritten = java.nio.file.Files.getLastModifiedTime(file);
            assertThat(first.checkpoint()).hasValueSatisfying(l -> assertThat(l).contains("kept"));
            assertThat(java.nio.file.Files.getLastModifiedTime(file)).as("nothing applied since: kept").isEqualTo(checkpointWritten);
            ClusterFixture.append(log, parser, gen, 20);
            f.awaitPublished(log.last(), Duration.ofSeconds(60));
        } finally {
            first.stop();
        }
        long at = log.last();
        long checkpointed = GraphSnapshot.stamp(crashed(file)).orElseThrow().lastBatch();
        assertThat(checkpointed).isLessThan(at);
        assertThat(GraphSnapshot.stamp(file)).as("written at the clean stop").hasValueSatisfying(s -> assertThat(s.lastBatch()).isEqualTo(at));
        // What a crash after the checkpoint leaves: its file, older than the log's end.
        java.nio.file.Files.copy(crashed(file), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        ClusterFixture.append(log, parser, gen, 60); // while it is down
        // As if the relay had not published the last batches before the stop.
        f.jdbi.useHandle(h -> h.execute("UPDATE cluster_relay SET published_up_to = ?", at - 5));
        ClusterNode second = node(file, "this-store", parser);
        try {
            second.start();
            assertThat(second.startedFromEntry()).as("read from the checkpoint's snapshot").isEqualTo(checkpointed);
            f.awaitPublished(log.last(), Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            ProfileGraph replayed = f.replay(parser);
            assertThat(second.graph().personIds()).containsExactlyInAnyOrderElementsOf(replayed.personIds());
            Set<Qualified> fresh = FreshEvaluation.of(replayed, f.book, f.clock, 2);
            assertThat(FreshEvaluation.of(second.graph(), f.book, f.clock, 2)).as("snapshot + later entries = the whole log").isEqualTo(fresh);
            assertThat(f.realized()).isEqualTo(fresh);
            assertThat(f.feedViolations()).isEmpty();
        } finally {
            second.stop();
        }

        // Started and stopped with no entry applied in between: the file is kept, not written again.
        var written = java.nio.file.Files.getLastModifiedTime(file);
        ClusterNode third = node(file, "this-store", parser);
        try {
            third.start();
            assertThat(third.startedFromEntry()).isEqualTo(log.last());
        } finally {
            third.stop();
        }
        assertThat(java.nio.file.Files.getLastModifiedTime(file)).as("kept by a stop with nothing new").isEqualTo(written);
        assertThat(GraphSnapshot.stamp(file)).hasValueSatisfying(s -> assertThat(s.lastBatch()).isEqualTo(log.last()));

        ClusterNode other = node(file, "another-store", parser);
        try {
            other.start();
            assertThat(other.startedFromEntry()).as("a snapshot of another database's log is not read").isZero();
            assertThat(other.graph().personIds()).containsExactlyInAnyOrderElementsOf(f.replay(parser).personIds());
        } finally {
            other.stop();
        }
    }

    private static Path crashed(Path file) { return file.resolveSibling("graph.snapshot.at-checkpoint"); }

    /** The entry a checkpoint taken now is of: the feed has applied the whole log (the caller waited for the relay's mark). */
    private static long checkpointed(IngestLog log) { return log.last(); }

    private static ClusterNode node(Path file, String store, RecordParser parser) {
        ClusterNode n = new ClusterNode(f.config("snap"), f.jdbi, Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book,
                f.clock, ClusterFixture.RETENTION, Budget.DEFAULT);
        n.useSnapshot(new ClusterSnapshot(file, new IngestLog(f.jdbi, Jackson.newObjectMapper()), () -> store));
        return n;
    }
}
