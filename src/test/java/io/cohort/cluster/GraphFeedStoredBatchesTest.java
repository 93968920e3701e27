package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Fact;
import io.cohort.pipeline.Pipeline;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import io.cohort.store.MigratedDatabase;
import io.cohort.store.Quarantine;
import io.cohort.store.RecordStore;
import io.cohort.store.SharedPostgres;
import io.dropwizard.jackson.Jackson;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upgrade replays batches that an earlier version accepted, journaled and stored (embedded
 * PostgreSQL, the cluster's store; no Kafka): references with a field besides source and id (then
 * dropped), a record that names itself in sameAs, ids with format characters, a closeDate at
 * T24:00, 2^63 employees. Ingestion refuses each now; the graph feed must still read them as they
 * were stored, or every node would quarantine them, and move their stored rows out, at its start.
 */
class GraphFeedStoredBatchesTest {
    private static final ObjectMapper JSON = Jackson.newObjectMapper();
    private static EmbeddedPostgres pg;

    /** The test JVM's server: the tests make databases of their own on it. */
    @BeforeAll
    static void server() { pg = SharedPostgres.server(); }

    @Test
    void batchesStoredBeforeTheStricterChecksReplayWithoutQuarantineIntoTheStoredGraph() throws Exception {
        Jdbi jdbi = database("stored_batches");
        IngestLog log = new IngestLog(jdbi, JSON);
        RecordStore store = new RecordStore(jdbi, JSON);

        // Each batch as received (journaled) and as that version parsed and stored it.
        String rtl = "\u202EP1";
        journal(log, store, "crm-1", """
                [{"type":"account","id":"A1","name":"Acme","sameAs":{"source":"marketo-1","id":"C1","extra":"x"}},
                 {"type":"account","id":"A2","name":"Self","sameAs":{"source":"crm-1","id":"A2"}},
                 {"type":"account","id":"A3","name":"Huge","employees":9223372036854775808},
                 {"type":"person","id":"\\u202eP1","email":"rtl@corp.example","firstName":"Ann"},
                 {"type":"accountPerson","accountId":"A1","personId":"\\u202eP1"},
                 {"type":"opportunity","id":"O1","accountId":"A1","amount":100,"isWon":true,"isClosed":true,
                  "closeDate":"2026-06-30T24:00:00Z"}]""",
                new SourceRecord.AccountRecord("A1", "Acme", null, null, null, null, null, new SourceRef("marketo-1", "C1"), Map.of()),
                new SourceRecord.AccountRecord("A2", "Self", null, null, null, null, null, new SourceRef("crm-1", "A2"), Map.of()),
                new SourceRecord.AccountRecord("A3", "Huge", null, null, Long.MAX_VALUE, null, null, null, Map.of()),
                new SourceRecord.PersonRecord(rtl, "rtl@corp.example", "Ann", null, null, null, null, Map.of()),
                new SourceRecord.AccountPersonRecord("A1", rtl, null, Map.of()),
                new SourceRecord.OpportunityRecord("O1", "A1", null, 100.0, "USD", null, true, true, LocalDate.of(2026, 7, 1), null, null,
                        Map.of()));
        journal(log, store, "marketo-1", """
                [{"type":"account","id":"C1","name":"Acme Inc"},
                 {"type":"person","id":"M1","email":"rtl@corp.example","title":"CTO"}]""",
                new SourceRecord.AccountRecord("C1", "Acme Inc", null, null, null, null, null, null, Map.of()),
                new SourceRecord.PersonRecord("M1", "rtl@corp.example", null, null, "CTO", null, null, Map.of()));
        journal(log, store, "mdm", """
                [{"type":"accountLink","id":"L1","accounts":[{"source":"crm-1","id":"A1","system":"SFDC"},
                  {"source":"crm-1","id":"A3"}]}]""",
                new SourceRecord.AccountLinkRecord("L1", null, List.of(new SourceRef("crm-1", "A1"), new SourceRef("crm-1", "A3")), Map.of()));

        // The service's parser, as ClusterWiring hands it to the node.
        ProfileGraph replayed = new ProfileGraph();
        GraphFeed feed = new GraphFeed(log, replayed, new RecordParser(new IngestLimits()), new Quarantine(jdbi), () -> 2, 10, 50);
        assertThat(feed.catchUp()).isEqualTo(3);
        assertThat(new Quarantine(jdbi).list(0, 100)).as("nothing an earlier version accepted is quarantined").isEmpty();
        assertThat(store.count()).as("every stored row stays").isEqualTo(9);

        ProfileGraph loaded = new ProfileGraph();
        Pipeline.loadInto(store, loaded, Instant.MIN, Long.MAX_VALUE, n -> { });
        assertThat(replayed.personIds()).containsExactlyInAnyOrderElementsOf(loaded.personIds()).hasSize(1);
        assertThat(sorted(replayed.allFacts(Instant.EPOCH))).as("the graph the stored records make")
                .containsExactlyElementsOf(sorted(loaded.allFacts(Instant.EPOCH)));
        String person = replayed.personIds().get(0);
        assertThat(replayed.person(person).map(Object::toString)).isEqualTo(loaded.person(person).map(Object::toString));
        assertThat(sorted(replayed.allFacts(Instant.EPOCH))).as("facts of people, accounts, the deal and the relation").hasSizeGreaterThan(4);
    }

    /**
     * An operator lowers ingest.maxStringLength and ingest.maxAttributes after records were
     * accepted under the defaults: a replay reads them as stored. Before, the feed quarantined
     * them, so every process lost the person's title from its graph at the next start.
     */
    @Test
    void recordsAcceptedUnderTheLimitsOfTheirDayReplayAfterTheLimitsAreLowered() throws Exception {
        Jdbi jdbi = database("lowered_limits");
        IngestLog log = new IngestLog(jdbi, JSON);
        RecordStore store = new RecordStore(jdbi, JSON);
        String title = "Vice President, ".repeat(20); // 320 characters
        String batch = "[{\"type\":\"person\",\"id\":\"P1\",\"email\":\"long@corp.example\",\"title\":\"" + title
                + "\",\"attributes\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}]";
        List<JsonNode> records = new ArrayList<>();
        JSON.readTree(batch).forEach(records::add);
        List<RecordChange> accepted = new RecordParser(new IngestLimits()).parse("crm-1", records);
        store.appendNumbered("crm-1", accepted, 0L, Map.of(), h -> log.append(h, "crm-1", records, 0L));

        IngestLimits lowered = JSON.readValue("{\"maxStringLength\": 100, \"maxAttributes\": 2}", IngestLimits.class);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new RecordParser(lowered).parse("crm-1", records)))
                .as("the lowered limits refuse such a record at the door").isNotNull();
        ProfileGraph replayed = new ProfileGraph();
        GraphFeed feed = new GraphFeed(log, replayed, new RecordParser(lowered), new Quarantine(jdbi), () -> 2, 10, 50);
        assertThat(feed.catchUp()).isEqualTo(1);
        assertThat(new Quarantine(jdbi).list(0, 100)).as("nothing accepted before is quarantined").isEmpty();
        assertThat(replayed.personIds()).hasSize(1);
        assertThat(replayed.person(replayed.personIds().get(0)).map(Object::toString).orElseThrow()).contains(title.strip());
    }

    /** A database of its own on the shared server, with Cohort's schema. */
    private static Jdbi database(String name) { return MigratedDatabase.create(pg, name); }

    private static void journal(IngestLog log, RecordStore store, String source, String canonical, SourceRecord... stored) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        JSON.readTree(canonical).forEach(records::add);
        List<RecordChange> changes = java.util.Arrays.stream(stored).<RecordChange>map(RecordChange.Upsert::new).toList();
        // As Pipeline.journaled stores a batch: its records and its log entry in one transaction.
        store.appendNumbered(source, changes, 0L, Map.of(), h -> log.append(h, source, records, 0L));
    }

    /** Facts as comparable values: an Activity equals another only by identity of its series, so by its events here. */
    private static List<Object> sorted(List<Fact> facts) {
        List<Object> out = new ArrayList<>();
        for (Fact f : facts) out.add(f instanceof io.cohort.model.Activity a ? a.getPersonId() + " " + a.getEvents() : f);
        out.sort(Comparator.comparing(Object::toString));
        return out;
    }
}
