package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.store.MigratedDatabase;
import io.cohort.store.SharedPostgres;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster checkpoint holds the feed still only while it encodes the graph, and makes the file
 * durable after (embedded PostgreSQL, the log's database): a stop that writes a snapshot of a later
 * entry meanwhile is not overtaken by the checkpoint's older file, which leaves no temporary file.
 */
class ClusterSnapshotCommitTest {
    @TempDir Path dir;

    @Test
    void aCheckpointCommittedAfterTheStopsLaterSnapshotLeavesThatOneInPlace() throws Exception {
        Jdbi jdbi = MigratedDatabase.create(SharedPostgres.server(), "snapshot_commit");
        IngestLog log = new IngestLog(jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        ProfileGraph graph = new ProfileGraph();
        Path file = dir.resolve("graph.snapshot");
        ClusterSnapshot snapshot = new ClusterSnapshot(file, log, () -> "store-1");

        long first = log.append("crm-1", person("P1"), 100);
        graph.apply("crm-1", parser.parse(person("P1")), first);
        // The checkpoint's encoding, with the feed still at the first entry.
        Supplier<String> checkpoint = snapshot.encode(graph, first);
        assertThat(file).as("not in place before its commit").doesNotExist();

        // The feed goes on; the stop writes its snapshot of the later entry before the checkpoint commits.
        long second = log.append("crm-1", person("P2"), 200);
        graph.apply("crm-1", parser.parse(person("P2")), second);
        assertThat(snapshot.write(graph, second)).contains("written at ingest log entry " + second);

        assertThat(checkpoint.get()).contains("not replaced").contains("later entry " + second);
        assertThat(GraphSnapshot.stamp(file)).hasValueSatisfying(s -> assertThat(s.lastBatch()).isEqualTo(second));
        try (var names = Files.list(dir)) {
            assertThat(names.map(f -> f.getFileName().toString())).containsExactly("graph.snapshot");
        }

        // In the usual order the checkpoint's file is the snapshot, and says how long the feed was still.
        long third = log.append("crm-1", person("P3"), 300);
        graph.apply("crm-1", parser.parse(person("P3")), third);
        assertThat(snapshot.encode(graph, third).get()).containsPattern("written at ingest log entry " + third
                + " \\(.*\\) in \\d+ ms, the graph held still for \\d+ ms of it");
        assertThat(GraphSnapshot.stamp(file)).hasValueSatisfying(s -> assertThat(s.lastBatch()).isEqualTo(third));
    }

    private static List<JsonNode> person(String id) throws Exception {
        return List.of(Jackson.newObjectMapper().readTree("{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\""
                + id.toLowerCase() + "@corp.com\"}"));
    }
}
