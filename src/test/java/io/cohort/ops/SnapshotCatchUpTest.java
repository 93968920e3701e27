package io.cohort.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.SameGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.pipeline.Pipeline;
import io.cohort.reliability.CompanyWorld;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.MigratedTemplates;
import io.cohort.store.Migrations;
import io.cohort.store.RecordStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start after a crash reads the graph snapshot of an earlier clean stop and applies what the
 * store changed since (records stored, keys removed): the graph it gives must be the one a load of
 * the whole store gives, whatever came between (merges, splits, deletes, keys deleted and sent
 * again, events past retention). A snapshot that cannot be caught up is refused, and so is one
 * across a batch whose removals were not recorded.
 */
class SnapshotCatchUpTest {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    /** Some of the world's events (up to 40 days old) are past it: both paths leave them out; one exactly at it is kept. */
    private static final Instant HORIZON = NOW.minus(Duration.ofDays(25));
    private final RecordParser parser = new RecordParser(new IngestLimits());
    @TempDir Path dir;

    private final List<Store> opened = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeDatabases() throws java.sql.SQLException {
        for (Store s : opened) {
            try (var c = s.ds.getConnection(); var st = c.createStatement()) {
                st.execute("SHUTDOWN");
            }
        }
    }

    /** A store in a file database of its own, with the write path the service uses. */
    private final class Store {
        final JdbcDataSource ds;
        final Jdbi jdbi;
        final Path snapshot;
        RecordStore store;
        ProfileGraph graph = new ProfileGraph();
        Pipeline pipeline;

        Store(String name) {
            ds = new JdbcDataSource();
            opened.add(this);
            // Kept open while the test runs: without a pool, each transaction would open the file again.
            ds.setURL("jdbc:h2:file:" + dir.resolve(name).toAbsolutePath() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
            ds.setUser("sa");
            MigratedTemplates.h2(dir.resolve(name)); // a new store, migrated: a copy, not a Liquibase run per store
            Migrations.migrate(ds); // finds it up to date, as the service's start does
            jdbi = Jdbi.create(ds);
            snapshot = dir.resolve(name + ".snapshot");
            restart();
        }

        /** What a new process has: the store as the database holds it, an empty graph. */
        void restart() {
            store = new RecordStore(jdbi, io.dropwizard.jackson.Jackson.newObjectMapper());
            graph = new ProfileGraph();
            pipeline = Pipeline.withoutEvaluation(Map.of(), parser, store, graph, Clock.fixed(NOW, ZoneOffset.UTC), new MetricRegistry());
        }

        void send(RandomRecords.Batch b) { pipeline.ingest(b.source(), new ArrayList<JsonNode>(b.records())); }

        void writeSnapshot() throws Exception {
            var at = store.position();
            GraphSnapshot.write(graph, snapshot, new GraphSnapshot.Stamp(at.storeId(), at.lastBatch(), at.lastBatchAt()));
        }

        SnapshotStart.Outcome start() {
            restart();
            return new SnapshotStart(store, pipeline, graph).read(snapshot, store.position(), HORIZON, n -> {});
        }

        ProfileGraph wholeLoad() {
            ProfileGraph full = new ProfileGraph();
            Pipeline.loadInto(store, full, HORIZON, store.lastBatchSeq(), n -> {});
            return full;
        }
    }

    @Test
    void aSnapshotCaughtUpWithTheStoreIsTheGraphOfAWholeLoad() throws Exception {
        for (long seed = 1; seed <= 16; seed++) {
            Random rnd = new Random(seed);
            CompanyWorld world = new CompanyWorld(seed, NOW, 4 + rnd.nextInt(6), 0.3);
            List<RandomRecords.Batch> batches = new ArrayList<>(world.arrival(true));
            batches.addAll(churn(world, rnd, 60));
            Store s = new Store("seed-" + seed);
            // The snapshot anywhere from the middle of the first load to near the end of the churn.
            int at = 1 + rnd.nextInt(batches.size() - 1);
            for (RandomRecords.Batch b : batches.subList(0, at)) s.send(b);
            s.writeSnapshot();
            for (RandomRecords.Batch b : batches.subList(at, batches.size())) s.send(b);

            SnapshotStart.Outcome o = s.start();
            assertThat(o.graphRead()).as("seed %d: caught up", seed).isTrue();
            assertThat(o.upTo()).isEqualTo(batches.size());
            try {
                SameGraph.assertSameGraph(s.graph, s.wholeLoad());
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", snapshot after " + at + " of " + batches.size() + " batches", e);
            }
        }
    }

    /**
     * A checkpoint while batches keep arriving (Pipeline.checkpointThen, behind engine.checkpointInterval
     * and the checkpoint task): batches sent by another thread during the write are acknowledged
     * without waiting for it, stay out of the graph being written and are in it once the write
     * ends; after more batches, a start after a crash catches up from that snapshot to the graph of
     * a whole load. Checkpoints.writeNow then writes the graph as it is and forgets the removals up
     * to it, and a second call finds nothing new to write.
     */
    @Test
    void aCheckpointWrittenWhileBatchesArriveIsAStartAfterACrash() throws Exception {
        for (long n = 1; n <= 4; n++) {
            final long seed = n;
            Random rnd = new Random(seed);
            CompanyWorld world = new CompanyWorld(seed, NOW, 4 + rnd.nextInt(4), 0.3);
            List<RandomRecords.Batch> batches = new ArrayList<>(world.arrival(true));
            batches.addAll(churn(world, rnd, 40));
            Store s = new Store("checkpoint-" + seed);
            int at = 1 + rnd.nextInt(batches.size() / 2);
            int during = Math.min(batches.size(), at + 1 + rnd.nextInt(6));
            for (RandomRecords.Batch b : batches.subList(0, at)) s.send(b);
            String marker = UnifiedIds.personByEmail("during-" + seed + "@checkpoint.test");
            long[] written = {-1};
            boolean ran = s.pipeline.checkpointThen(position -> {
                Thread sender = new Thread(() -> {
                    for (RandomRecords.Batch b : batches.subList(at, during)) s.send(b);
                    s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"during\",\"email\":\"during-" + seed + "@checkpoint.test\"}"));
                });
                sender.start();
                GraphSnapshot.Encoded encoded;
                try {
                    sender.join(60_000);
                    assertThat(sender.isAlive()).as("seed %d: batches are acknowledged while the checkpoint writes", seed).isFalse();
                    assertThat(s.graph.person(marker)).as("a batch sent during the write is not in the graph being written").isEmpty();
                    encoded = GraphSnapshot.encode(s.graph, s.snapshot, new GraphSnapshot.Stamp(position.storeId(), position.lastBatch(),
                            position.lastBatchAt()));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                // As Checkpoints does: the file is made durable once the graph runs again.
                return () -> {
                    assertThat(s.graph.person(marker)).as("batches held for the encoding are applied before the file is made durable")
                            .isPresent();
                    try (encoded) {
                        encoded.commit();
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                    written[0] = position.lastBatch();
                };
            });
            assertThat(ran).isTrue();
            assertThat(written[0]).as("the snapshot is of the batch the checkpoint began at").isEqualTo(at);
            assertThat(s.graph.person(marker)).as("applied once the write ended").isPresent();
            for (RandomRecords.Batch b : batches.subList(during, batches.size())) s.send(b);

            SnapshotStart.Outcome o = s.start();
            assertThat(o.graphRead()).as("seed %d: caught up from the checkpoint", seed).isTrue();
            try {
                SameGraph.assertSameGraph(s.graph, s.wholeLoad());
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", checkpoint after " + at + " of " + batches.size() + " batches", e);
            }
        }

        Store s = new Store("checkpoints");
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"email\":\"a@x.com\"}"));
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"deleted\":true}"));
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p2\",\"email\":\"b@x.com\"}"));
        Checkpoints c = new Checkpoints(s.pipeline, s.store, s.graph, s.snapshot, Duration.ZERO);
        Checkpoints.Written w = c.writeNow();
        assertThat(w.batch()).isEqualTo(3);
        assertThat(w.figures()).isNotNull();
        assertThat(w.forgotten()).as("p1's removal: no start can need it").isOne();
        assertThat(c.writeNow().figures()).as("nothing new since").isNull();
        assertThat(GraphSnapshot.OnDisk.of(s.snapshot).orElseThrow().stamp().lastBatch()).isEqualTo(3);
        s.pipeline.close(() -> {});
        assertThatThrownBy(c::writeNow).as("after the stop's own snapshot").isInstanceOf(TaskRefusal.class);
    }

    @Test
    void theStoreKeepsARemovedKeyUntilItIsSentAgainAndAStopForgetsItOnceSnapshotted() {
        Store s = new Store("removals");
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"email\":\"a@x.com\"}"));
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"deleted\":true}"));
        List<String> removed = new ArrayList<>();
        s.store.removed().after(0, Long.MAX_VALUE, r -> removed.add(r.source() + " " + r.type() + " " + r.key() + " " + r.batch()));
        assertThat(removed).containsExactly("crm-1 person p1 2");
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"email\":\"b@x.com\"}"));
        assertThat(s.store.removed().count()).as("sent again: present").isZero();
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"deleted\":true}"));
        assertThat(s.store.removed().prune(3)).isZero();
        assertThat(s.store.removed().prune(4)).isOne();
    }

    /**
     * A batch with deletes written by a version that did not record removals (its row's
     * removals_recorded null, no removal rows): the snapshot is not caught up across it, and the
     * graph is left for a load from the store. Without the check it held p2, which the store no
     * longer has.
     */
    @Test
    void aBatchWhoseRemovalsWereNotRecordedMakesTheStartLoadFromTheStore() throws Exception {
        Store s = new Store("unrecorded");
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"email\":\"a@x.com\"}",
                "{\"type\":\"person\",\"id\":\"p2\",\"email\":\"b@x.com\"}"));
        s.writeSnapshot();
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p2\",\"deleted\":true}"));
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p3\",\"email\":\"c@x.com\"}"));
        assertThat(s.start().graphRead()).as("recorded: caught up").isTrue();
        assertThat(s.graph.personCount()).isEqualTo(2);
        // As a version before source_record_removed leaves the store.
        s.jdbi.useHandle(h -> {
            h.execute("DELETE FROM source_record_removed");
            h.execute("UPDATE ingest_batch SET removals_recorded = NULL WHERE seq = 2");
        });

        SnapshotStart.Outcome o = s.start();
        assertThat(o.graphRead()).as("batch 2 deleted a record without recording it").isFalse();
        assertThat(o.upTo()).isEqualTo(3);
        assertThat(s.graph.personCount()).as("left empty for the load from the store").isZero();
        // A batch of that version without deletes is no obstacle.
        s.jdbi.useHandle(h -> h.execute("UPDATE ingest_batch SET removals_recorded = NULL WHERE seq = 3"));
        s.jdbi.useHandle(h -> h.execute("UPDATE ingest_batch SET removals_recorded = TRUE WHERE seq = 2"));
        s.jdbi.useHandle(h -> h.execute("INSERT INTO source_record_removed (source, rtype, rkey, batch_seq) VALUES ('crm-1', 'person', 'p2', 2)"));
        assertThat(s.start().graphRead()).isTrue();
        assertThat(s.graph.personCount()).isEqualTo(2);
    }

    @Test
    void aSnapshotThatCannotBeCaughtUpIsRefusedAndTheGraphLeftEmpty() throws Exception {
        Store s = new Store("refused");
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p1\",\"email\":\"a@x.com\"}"));
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p2\",\"email\":\"b@x.com\"}"));
        s.writeSnapshot();
        s.send(batch("crm-1", "{\"type\":\"person\",\"id\":\"p3\",\"email\":\"c@x.com\"}"));
        assertThat(s.start().graphRead()).as("the usable case").isTrue();

        // Written by the version before, which did not record removals: read only when exact.
        byte[] written = java.nio.file.Files.readAllBytes(s.snapshot);
        try (var ch = java.nio.channels.FileChannel.open(s.snapshot, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(4).putInt(0, 7), Long.BYTES); // after the magic number
        }
        assertThat(GraphSnapshot.OnDisk.of(s.snapshot)).as("format 7 is still read").isPresent();
        assertRefused(s);
        java.nio.file.Files.write(s.snapshot, written);

        // The store restored from a backup and numbered again: batch 2 was received at another time.
        s.jdbi.useHandle(h -> h.execute("UPDATE ingest_batch SET received_at = received_at + 1 WHERE seq = 2"));
        assertRefused(s);
        s.jdbi.useHandle(h -> h.execute("UPDATE ingest_batch SET received_at = received_at - 1 WHERE seq = 2"));
        // Newer than the store (restored from an older backup).
        s.jdbi.useHandle(h -> {
            h.execute("DELETE FROM source_record WHERE batch_seq >= 2");
            h.execute("DELETE FROM ingest_batch WHERE seq >= 2");
        });
        assertRefused(s);
    }

    private static void assertRefused(Store s) {
        SnapshotStart.Outcome o = s.start();
        assertThat(o.graphRead()).isFalse();
        assertThat(s.graph.personCount()).isZero();
    }

    /**
     * The world's own changes, with deletes of any of its records (events and people included)
     * and some of them sent again later.
     */
    private static List<RandomRecords.Batch> churn(CompanyWorld world, Random rnd, int n) {
        List<RandomRecords.Batch> out = new ArrayList<>(world.mutations(n));
        List<String> sources = new ArrayList<>(world.exports().keySet());
        for (int i = 0; i < n / 3; i++) {
            String source = sources.get(rnd.nextInt(sources.size()));
            List<ObjectNode> records = world.exports().get(source);
            if (records.isEmpty()) continue;
            ObjectNode r = records.get(rnd.nextInt(records.size()));
            int deleteAt = rnd.nextInt(out.size() + 1);
            out.add(deleteAt, new RandomRecords.Batch(source, List.of(r.deepCopy().put("deleted", true))));
            if (rnd.nextBoolean()) {
                out.add(deleteAt + 1 + rnd.nextInt(out.size() - deleteAt), new RandomRecords.Batch(source, List.of(r.deepCopy())));
            }
        }
        return out;
    }

    private static RandomRecords.Batch batch(String source, String... records) {
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> out = new ArrayList<>();
        for (String r : records) {
            try {
                out.add((ObjectNode) json.readTree(r));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return new RandomRecords.Batch(source, out);
    }
}
