package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.store.MigratedTemplates;
import io.cohort.store.Quarantine;
import io.dropwizard.jackson.Jackson;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The graph feed's way past log entries an older version accepted, without Kafka or PostgreSQL
 * (H2, rows written straight into cluster_ingest_log): the records that no longer parse are left
 * out and quarantined once however many processes replay the entry, the rest of the entry and the
 * entries after it are applied, and each skip is logged as an ERROR by one process only.
 */
class GraphFeedQuarantineTest {
    private static final String NOW = "2026-11-20T10:00:00Z";

    private Jdbi jdbi;
    private final RecordParser parser = new RecordParser(new IngestLimits());
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger feedLogger = (Logger) LoggerFactory.getLogger(GraphFeed.class);

    @BeforeEach
    void database() {
        JdbcDataSource ds = MigratedTemplates.h2Memory("feed");
        jdbi = Jdbi.create(ds);
        logged.start();
        feedLogger.addAppender(logged);
    }

    @AfterEach
    void detach() { feedLogger.detachAppender(logged); }

    @Test
    void recordsThatNoLongerParseAreSkippedQuarantinedOnceAndTheFeedGoesOn() {
        entry(1, "{\"type\":\"person\",\"id\":\"P1\",\"email\":\"p1@corp.com\"}");
        // As an older version wrote it: a typo'd year it accepted, a type it had, a record with no type at all.
        entry(2, event("E1", "P1", NOW), event("E2", "P1", "0202-11-20T10:00:00Z"),
                "{\"type\":\"lead\",\"id\":\"L1\"}", "{\"name\":\"X\"}");
        stored(2, "event", "E1");
        stored(2, "event", "E2");
        // The same key twice in one entry: the stored row is the later, valid record's and stays.
        entry(3, event("E3", "P1", "0202-01-01T00:00:00Z"), event("E3", "P1", NOW));
        stored(3, "event", "E3");
        entry(4, "{\"type\":\"person\",\"id\":\"P2\",\"email\":\"p2@corp.com\"}");

        ProfileGraph first = new ProfileGraph();
        assertThat(feed(first).catchUp()).as("the feed went past every entry").isEqualTo(4);
        assertThat(first.hasPerson(UnifiedIds.personByEmail("p2@corp.com"))).as("the entry after the bad ones").isTrue();
        assertThat(first.eventCount()).as("E1 and the valid E3 applied, E2 left out").isEqualTo(2);

        List<Quarantine.Entry> q = new Quarantine(jdbi).list(0, 100);
        assertThat(q).extracting(Quarantine.Entry::key).containsExactly("E2", "L1", "(record 3 of log entry 2)", "E3");
        assertThat(q).extracting(Quarantine.Entry::batch).containsExactly(2L, 2L, 2L, 3L);
        assertThat(q.get(0).reason()).contains("ingest log entry 2, record 1", "timestamp", "years 1900 to 2200");
        assertThat(q.get(0).type()).isEqualTo("event");
        assertThat(q.get(0).payload()).contains("0202-11-20T10:00:00Z");
        assertThat(q.get(1).reason()).contains("unknown record type 'lead'");
        assertThat(q.get(2).type()).isEqualTo("(no type)");
        assertThat(storedKeys()).as("E2's own stored row went with it; E3's row is the valid record's")
                .containsExactlyInAnyOrder("E1", "E3");
        assertThat(levels(Level.ERROR)).hasSize(4);
        assertThat(levels(Level.ERROR).get(0)).contains("E2", "ingest log entry 2", "GET /v1/sources/quarantine");

        // Another process replays the same log: same graph, nothing quarantined twice, warnings only.
        logged.list.clear();
        ProfileGraph second = new ProfileGraph();
        assertThat(feed(second).catchUp()).isEqualTo(4);
        assertThat(second.personIds()).isEqualTo(first.personIds());
        assertThat(second.eventCount()).isEqualTo(2);
        assertThat(new Quarantine(jdbi).count()).isEqualTo(4);
        assertThat(levels(Level.ERROR)).isEmpty();
        assertThat(levels(Level.WARN)).hasSize(4);

        // The operator dealt with an entry: a later replay does not bring it back.
        assertThat(new Quarantine(jdbi).discard(q.get(0).id())).isTrue();
        assertThat(feed(new ProfileGraph()).catchUp()).isEqualTo(4);
        assertThat(new Quarantine(jdbi).count()).isEqualTo(3);
    }

    @Test
    void anEntryThatIsNotAListOfRecordsIsSkippedWholeQuarantinedOnceAndTheFeedGoesOn() {
        entry(1, "{\"type\":\"person\",\"id\":\"P1\",\"email\":\"p1@corp.com\"}");
        // What a hand edit can leave: text that is not JSON (with the record the batch stored), JSON that is not a list.
        raw(2, "[{\"type\":\"person\",\"id\":\"P9\"");
        stored(2, "person", "P9");
        raw(3, "{\"records\":[{\"type\":\"person\",\"id\":\"P8\",\"email\":\"p8@corp.com\"}]}");
        entry(4, "{\"type\":\"person\",\"id\":\"P2\",\"email\":\"p2@corp.com\"}");
        stored(4, "person", "P2");

        ProfileGraph first = new ProfileGraph();
        GraphFeed feed = feed(first);
        assertThat(feed.catchUp()).as("the feed went past both entries").isEqualTo(4);
        assertThat(first.hasPerson(UnifiedIds.personByEmail("p2@corp.com"))).as("the entry after them").isTrue();
        assertThat(first.hasPerson(UnifiedIds.personByEmail("p8@corp.com"))).as("nothing of an entry that is not a list").isFalse();
        assertThat(feed.affected(2)).as("remembered as affecting nobody: the relay publishes nothing for it and goes on")
                .isEqualTo(new ProfileGraph.Reach(java.util.Set.of(), java.util.Set.of()));

        List<Quarantine.Entry> q = new Quarantine(jdbi).list(0, 100);
        assertThat(q).extracting(Quarantine.Entry::key).containsExactly("(ingest log entry 2)", "P9", "(ingest log entry 3)");
        assertThat(q).extracting(Quarantine.Entry::batch).containsExactly(2L, 2L, 3L);
        assertThat(q.get(0).type()).isEqualTo(Quarantine.LOG_ENTRY_TYPE);
        assertThat(q.get(0).reason()).contains("ingest log entry 2 skipped whole", "not JSON");
        assertThat(q.get(0).payload()).as("the text as stored").isEqualTo("[{\"type\":\"person\",\"id\":\"P9\"");
        assertThat(q.get(1).reason()).contains("stored by ingest log entry 2", "send it again");
        assertThat(q.get(2).reason()).contains("ingest log entry 3 skipped whole", "JSON object, not a list of records");
        assertThat(storedKeys()).as("the stored record no graph holds moved to quarantine").containsExactly("P2");
        assertThat(levels(Level.ERROR)).hasSize(2);
        assertThat(levels(Level.ERROR).get(0)).contains("ingest log entry 2", "whole", "GET /v1/sources/quarantine");

        logged.list.clear();
        ProfileGraph second = new ProfileGraph();
        assertThat(feed(second).catchUp()).isEqualTo(4);
        assertThat(second.personIds()).isEqualTo(first.personIds());
        assertThat(new Quarantine(jdbi).count()).as("once, however many feeds replay it").isEqualTo(3);
        assertThat(levels(Level.ERROR)).isEmpty();
        assertThat(levels(Level.WARN)).hasSize(2);
    }

    private GraphFeed feed(ProfileGraph graph) {
        return new GraphFeed(new IngestLog(jdbi, Jackson.newObjectMapper()), graph, parser, new Quarantine(jdbi), () -> 2, 10, 50);
    }

    private static String event(String id, String person, String at) {
        return "{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"" + person
                + "\",\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"" + at + "\"}";
    }

    private void entry(long seq, String... records) { raw(seq, "[" + String.join(",", records) + "]"); }

    private void raw(long seq, String text) {
        jdbi.useHandle(h -> h.execute("INSERT INTO cluster_ingest_log (seq, source, records, received_at) VALUES (?, ?, ?, ?)",
                seq, "crm-1", text, 0L));
    }

    private void stored(long seq, String type, String key) {
        jdbi.useHandle(h -> h.execute("INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, ?, ?, ?, ?)",
                "crm-1", type, key, "{}", seq));
    }

    private List<String> storedKeys() {
        return jdbi.withHandle(h -> h.createQuery("SELECT rkey FROM source_record").mapTo(String.class).list());
    }

    private List<String> levels(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }
}
