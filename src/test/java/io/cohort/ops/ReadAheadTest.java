package io.cohort.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.record.RecordChange;
import io.cohort.store.Migrations;
import io.cohort.store.RecordStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot read that starts while the service is wired: on a real H2 store and a snapshot
 * written of it, the graph holds the snapshot when the store is where it was when the read began,
 * and is left empty (for a load from the store) when it moved meanwhile or the file is of another state.
 */
class ReadAheadTest {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final ObjectMapper json = new ObjectMapper();
    private final RecordParser parser = new RecordParser(new IngestLimits());
    @TempDir Path dir;
    private RecordStore store;
    private Path file;

    @BeforeEach
    void storeAndItsSnapshot() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:read-ahead-" + System.nanoTime() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Migrations.migrate(ds);
        store = new RecordStore(Jdbi.create(ds), json);
        ProfileGraph written = new ProfileGraph();
        long seq = store.append("crm-1", records("""
                {"type":"person","id":"p1","email":"ann@example.com"}""", """
                {"type":"person","id":"p2","email":"bob@example.com"}"""), NOW.toEpochMilli());
        written.apply("crm-1", records("""
                {"type":"person","id":"p1","email":"ann@example.com"}""", """
                {"type":"person","id":"p2","email":"bob@example.com"}"""), seq);
        RecordStore.Position at = store.position();
        file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(written, file, new GraphSnapshot.Stamp(at.storeId(), at.lastBatch(), at.lastBatchAt()));
    }

    @Test
    void theGraphHoldsTheReadAheadWhenTheStoreIsWhereItWas() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        ReadAhead ahead = ReadAhead.start(Optional.of(file), store, graph, clock, Duration.ofDays(90));
        Optional<ReadAhead.Read> read = ahead.graphAt(store.position());
        assertThat(read).isPresent();
        assertThat(read.get().records()).isEqualTo(2);
        assertThat(read.get().file().stamp().lastBatch()).isEqualTo(store.position().lastBatch());
        assertThat(graph.personIds()).hasSize(2);
    }

    @Test
    void aStoreThatMovedWhileTheSnapshotWasReadLeavesTheGraphEmpty() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        ReadAhead ahead = ReadAhead.start(Optional.of(file), store, graph, clock, Duration.ofDays(90));
        // A batch stored after the read began (nothing should write then; the start checks rather than assumes).
        store.append("crm-1", records("""
                {"type":"person","id":"p3","email":"cy@example.com"}"""), NOW.toEpochMilli());
        assertThat(ahead.graphAt(store.position())).isEmpty();
        assertThat(graph.personIds()).as("what was read is dropped: the start loads the store into an empty graph").isEmpty();
    }

    @Test
    void withoutASnapshotNothingIsRead() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        ReadAhead ahead = ReadAhead.start(Optional.of(dir.resolve("none.snapshot")), store, graph, clock,
                Duration.ofDays(90));
        assertThat(ahead.graphAt(store.position())).isEmpty();
        assertThat(ReadAhead.start(Optional.empty(), store, graph, clock, Duration.ofDays(90)).graphAt(store.position())).isEmpty();
        assertThat(graph.personIds()).isEmpty();
    }

    private List<RecordChange> records(String... lines) throws Exception {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String l : lines) nodes.add(json.readTree(l));
        return parser.parse(nodes);
    }
}
