package io.cohort.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.Durability;
import io.cohort.store.Migrations;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on a real H2 file database (WRITE_DELAY=0, as the service opens it): batches that
 * arrive while a commit runs are stored by the next one together, numbered in arrival order; a
 * batch the database refuses fails alone, and the others of its group are stored and answered.
 * The test holds the pipeline's turn ({@link Pipeline#between}) until every sender waits, so the
 * group is certain.
 */
class GroupCommitTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    @TempDir Path dir;

    @Test
    void batchesWaitingTogetherAreOneCommitAndARefusedOneFailsAlone() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(Durability.durableUrl("jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL"));
        Migrations.migrate(ds);
        Jdbi jdbi = Jdbi.create(ds);
        RecordStore store = new RecordStore(jdbi, Jackson.newObjectMapper());
        ProfileGraph graph = new ProfileGraph();
        MetricRegistry metrics = new MetricRegistry();
        RecordParser parser = new RecordParser(new IngestLimits());
        Pipeline pipeline = new Pipeline(Map.of(), parser, store, graph, null, Clock.fixed(NOW, ZoneOffset.UTC), metrics);
        RandomRecords gen = new RandomRecords(5, NOW, 20, 10, 6);

        // Five good batches waiting together: one commit, numbers in the order they waited.
        Map<Integer, Object> answers = send(pipeline, gen, 5, -1);
        assertThat(metrics.histogram("cohort.ingest.batchesPerCommit").getSnapshot().getMax()).isEqualTo(5);
        assertThat(answers.values()).allMatch(a -> a instanceof Pipeline.Accepted);
        assertThat(answers.values().stream().map(a -> ((Pipeline.Accepted) a).batch()).sorted().toList())
                .containsExactly(1L, 2L, 3L, 4L, 5L);

        // Five again, the third from a source id longer than the column: the database refuses that
        // batch, the other four are stored and answered, each alone after the group failed.
        answers = send(pipeline, gen, 5, 2);
        assertThat(answers.get(2)).isInstanceOf(RuntimeException.class);
        assertThat(((RuntimeException) answers.get(2))).hasMessageContaining("source_record");
        List<Long> stored = new ArrayList<>();
        for (int i : List.of(0, 1, 3, 4)) {
            assertThat(answers.get(i)).as("batch %d of the group", i).isInstanceOf(Pipeline.Accepted.class);
            stored.add(((Pipeline.Accepted) answers.get(i)).batch());
        }
        assertThat(stored).doesNotHaveDuplicates().allMatch(n -> n > 5);
        List<Long> inStore = jdbi.withHandle(h -> h.createQuery("SELECT seq FROM ingest_batch ORDER BY seq").mapTo(Long.class).list());
        assertThat(inStore).as("the store holds the nine accepted batches, not the refused one")
                .hasSize(9).containsAll(stored);
        int refusedRows = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record WHERE LENGTH(source) > 200")
                .mapTo(Integer.class).one());
        assertThat(refusedRows).isZero();

        // The graph the answers built equals the one the store gives.
        ProfileGraph fromStore = new ProfileGraph();
        new Pipeline(Map.of(), parser, store, fromStore, null, Clock.fixed(NOW, ZoneOffset.UTC), new MetricRegistry()).loadFromStore();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        var book = FreshEvaluation.compile(Path.of("rules"), clock);
        assertThat(fromStore.personIds()).isEqualTo(graph.personIds()).isNotEmpty();
        assertThat(FreshEvaluation.of(graph, book, clock, 1)).isEqualTo(FreshEvaluation.of(fromStore, book, clock, 1));
    }

    /**
     * Sends {@code n} batches from {@code n} threads while holding the pipeline's turn, releases it
     * once all of them wait, and returns each sender's answer (Accepted or the exception). Sender
     * {@code refused} names a source the store cannot hold.
     */
    private static Map<Integer, Object> send(Pipeline pipeline, RandomRecords gen, int n, int refused) throws Exception {
        Map<Integer, Object> answers = new ConcurrentHashMap<>();
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RandomRecords.Batch b = gen.next();
            String source = i == refused ? "s".repeat(300) : b.source();
            List<JsonNode> records = new ArrayList<>(b.records());
            int k = i;
            senders.add(new Thread(() -> {
                try {
                    answers.put(k, pipeline.ingest(source, records));
                } catch (RuntimeException e) {
                    answers.put(k, e);
                }
            }));
        }
        pipeline.between(() -> {
            // In order: each sender waits before the next starts, so the group's order is the senders'.
            for (Thread t : senders) {
                t.start();
                awaitBlocked(t);
            }
            return null;
        });
        for (Thread t : senders) t.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(answers).hasSize(n);
        return answers;
    }

    private static void awaitBlocked(Thread t) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != Thread.State.BLOCKED) {
            if (System.nanoTime() > until) throw new AssertionError("sender did not reach the pipeline: " + t.getState());
            Thread.onSpinWait();
        }
    }
}
