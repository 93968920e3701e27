package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.PersonRecord;
import io.cohort.store.MigratedDatabase;
import io.cohort.store.RecordStore;
import io.cohort.store.SharedPostgres;
import io.dropwizard.jackson.Jackson;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster appends from several writers at once, each on its own connection as separate processes
 * are (embedded PostgreSQL, no Kafka): few keys, so that writers keep meeting on the same key, new
 * keys and deletes among them. Whatever the interleaving, the stored records must be the batches
 * replayed in their numbers' order (what every process's graph is built from), and a reader of the
 * log must never see a number before a smaller one. Guards how appends take the log's lock: taken
 * at the end instead (docs/scale-out.md, "Capacity model"), without locking the keys first, the
 * second of two appends of a new key failed on the key or stored what the log does not say.
 */
class IngestLogConcurrencyTest {
    private static final ObjectMapper JSON = Jackson.newObjectMapper();
    private static final int WRITERS = 4;
    private static final int BATCHES = 100;
    private static final int KEYS = 10;
    private static EmbeddedPostgres pg;

    /** The test JVM's server: the tests make databases of their own on it. */
    @BeforeAll
    static void server() { pg = SharedPostgres.server(); }

    @Test
    void concurrentAppendsOfTheSameKeysStoreWhatTheLogSaysInItsOrder() throws Exception {
        Jdbi shared = MigratedDatabase.create(pg, "concurrent_appends");
        IngestLog log = new IngestLog(shared, JSON);

        Map<Long, List<RecordChange>> bySeq = new ConcurrentHashMap<>();
        Map<Long, String> sourceOf = new ConcurrentHashMap<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Long> readInOrder = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            long at = 0;
            try {
                while (writing.get() || at < log.last()) {
                    List<IngestLog.Logged> read = log.after(at, 500);
                    for (IngestLog.Logged e : read) {
                        if (e.seq() != at + 1) throw new AssertionError("read entry " + e.seq() + " right after " + at);
                        at = e.seq();
                        readInOrder.add(at);
                    }
                    if (read.isEmpty()) Thread.sleep(1);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        reader.start();
        List<Thread> writers = new ArrayList<>();
        List<java.sql.Connection> connections = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            java.sql.Connection connection = pg.getDatabase("postgres", "concurrent_appends").getConnection();
            connections.add(connection);
            Jdbi own = Jdbi.create(connection);
            RecordStore store = new RecordStore(own, JSON);
            Thread t = new Thread(() -> {
                Random random = new Random(writer);
                try {
                    for (int i = 0; i < BATCHES; i++) {
                        String source = random.nextInt(4) == 0 ? "marketo-1" : "crm-1";
                        List<RecordChange> changes = new ArrayList<>();
                        for (int n = 1 + random.nextInt(4); n > 0; n--) {
                            String id = "P" + random.nextInt(KEYS);
                            changes.add(random.nextInt(3) == 0 ? new RecordChange.Delete(RecordType.PERSON, id)
                                    : new RecordChange.Upsert(new PersonRecord(id, id + "@corp.example", null, null,
                                            "w" + writer + "-" + i, null, null, Map.of())));
                        }
                        List<JsonNode> logged = List.of(JSON.valueToTree(Map.of("writer", writer, "batch", i)));
                        long seq = store.appendNumbered(source, changes, i, Map.of(), h -> log.append(h, source, logged, 0L));
                        bySeq.put(seq, changes);
                        sourceOf.put(seq, source);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            t.start();
            writers.add(t);
        }
        for (Thread t : writers) t.join();
        writing.set(false);
        reader.join();
        for (java.sql.Connection c : connections) c.close();

        assertThat(failures).isEmpty();
        int total = WRITERS * BATCHES;
        assertThat(new TreeMap<>(bySeq).keySet()).containsExactlyElementsOf(range(total));
        assertThat(readInOrder).containsExactlyElementsOf(range(total));

        // The batches replayed in their numbers' order: key → the last upsert's title and number, or nothing after a delete.
        Map<String, String> expected = new TreeMap<>();
        for (long seq = 1; seq <= total; seq++) {
            Map<String, RecordChange> last = new java.util.LinkedHashMap<>();
            for (RecordChange c : bySeq.get(seq)) last.put(c.key(), c); // within a batch the last change of a key wins
            for (RecordChange c : last.values()) {
                String key = sourceOf.get(seq) + "/" + c.key();
                if (c instanceof RecordChange.Upsert u) expected.put(key, ((PersonRecord) u.record()).title() + " @" + seq);
                else expected.remove(key);
            }
        }
        Map<String, String> stored = new TreeMap<>();
        shared.useHandle(h -> h.createQuery("SELECT source, rkey, payload, batch_seq FROM source_record").map((rs, ctx) -> {
            try {
                stored.put(rs.getString(1) + "/" + rs.getString(2),
                        JSON.readTree(rs.getString(3)).get("title").asText() + " @" + rs.getLong(4));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return null;
        }).list());
        assertThat(stored).isEqualTo(expected);
        int batches = shared.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ingest_batch").mapTo(Integer.class).one());
        assertThat(batches).isEqualTo(total);
    }

    private static List<Long> range(int n) {
        List<Long> out = new ArrayList<>();
        for (long i = 1; i <= n; i++) out.add(i);
        return out;
    }
}
