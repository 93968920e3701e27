package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.Quarantine;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log entry an older version accepted, with a record the current parser refuses (an event of
 * the year 202, a typo the year check now catches), stops no process: both nodes apply the
 * entry's valid record and every later batch, the workers evaluate them, the bad record is
 * quarantined once with its log seq and reason, and a node started afterwards replays the whole
 * log and catches up. On the feed that applied an entry whole, both nodes stayed at the entry.
 */
class ClusterFeedQuarantineIT {
    private static final String EMAIL = "quarantine.probe@corp.example";

    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.feed-quarantine", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void aRecordThatNoLongerParsesIsQuarantinedOnceAndEveryFeedGoesOn() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(2024, ClusterFixture.NOW, 30, 25, 10);
        FeedLog logged = new FeedLog();
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) nodes.add(f.startNode("fq" + i, parser));
            ClusterFixture.awaitEachOwnsPartitions(nodes);

            ClusterFixture.append(log, parser, gen, 30);
            // One recent event now: probe-events needs two, the second is in the bad entry.
            log.append(RandomRecords.CRM, records(
                    "{\"type\":\"person\",\"id\":\"PQ\",\"email\":\"" + EMAIL + "\",\"firstName\":\"Quinn\"}",
                    event("EQ1", ClusterFixture.NOW.minus(Duration.ofDays(1)).toString())), System.currentTimeMillis());
            // What an older version wrote in one transaction: the log entry and its stored records.
            long bad = log.last() + 1;
            String valid = event("EQ2", ClusterFixture.NOW.minus(Duration.ofDays(2)).toString());
            String refused = event("EQ3", "0202-11-20T10:00:00Z");
            f.jdbi.useTransaction(h -> {
                h.execute("INSERT INTO cluster_ingest_log (seq, source, records, received_at) VALUES (?, ?, ?, ?)",
                        bad, RandomRecords.CRM, "[" + valid + "," + refused + "]", System.currentTimeMillis());
                h.execute("INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, 'event', 'EQ2', ?, ?)",
                        RandomRecords.CRM, valid, bad);
                h.execute("INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, 'event', 'EQ3', ?, ?)",
                        RandomRecords.CRM, refused, bad);
            });
            ClusterFixture.append(log, parser, gen, 30);
            long last = log.last();
            assertThat(last).isGreaterThan(bad);

            long fed = System.nanoTime() + 30_000_000_000L;
            while (nodes.stream().anyMatch(n -> n.feed().applied() < last) && System.nanoTime() < fed) Thread.sleep(50);
            assertThat(nodes).as("every node's graph got past entry " + bad).allMatch(n -> n.feed().applied() == last);
            f.awaitPublished(last, Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();

            ProfileGraph graph = f.replay(parser);
            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(fresh).as("the bad entry's valid event counts").contains(new Qualified("probe-events", UnifiedIds.personByEmail(EMAIL)));
            assertThat(f.realized()).as("memberships = a fresh evaluation of the log without the refused record").isEqualTo(fresh);
            assertThat(f.feedViolations()).isEmpty();

            List<Quarantine.Entry> quarantined = new Quarantine(f.jdbi).list(0, 100);
            assertThat(quarantined).as("once, although every node replayed the entry").hasSize(1);
            Quarantine.Entry q = quarantined.get(0);
            assertThat(q.source()).isEqualTo(RandomRecords.CRM);
            assertThat(q.type()).isEqualTo("event");
            assertThat(q.key()).isEqualTo("EQ3");
            assertThat(q.batch()).as("the log seq").isEqualTo(bad);
            assertThat(q.reason()).contains("ingest log entry " + bad, "timestamp", "years 1900 to 2200");
            assertThat(q.payload()).contains("0202-11-20T10:00:00Z");
            List<String> stored = f.jdbi.withHandle(h -> h.createQuery("SELECT rkey FROM source_record WHERE rkey IN ('EQ2', 'EQ3')")
                    .mapTo(String.class).list());
            assertThat(stored).as("the refused record is no longer stored, the valid one is").containsExactly("EQ2");
            assertThat(logged.errorsAbout("'EQ3'")).as("one process logged the skip as an error").hasSize(1);

            // A node started afterwards replays the whole log at start, before serving.
            ClusterNode late = f.startNode("fq-late", parser);
            nodes.add(late);
            assertThat(late.started()).isTrue();
            assertThat(late.feed().applied()).as("the new node caught up at start").isEqualTo(last);
            assertThat(FreshEvaluation.of(late.graph(), f.book, f.clock, 2)).isEqualTo(fresh);
            assertThat(new Quarantine(f.jdbi).count()).isEqualTo(1);
            assertThat(logged.errorsAbout("'EQ3'")).as("later replays warn only").hasSize(1);
        } finally {
            logged.close();
            for (ClusterNode n : nodes) n.stop();
        }
    }

    private static String event(String id, String at) {
        return "{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"PQ\",\"eventType\":\"web.webpagedetails.pageViews\","
                + "\"timestamp\":\"" + at + "\"}";
    }

    private static List<JsonNode> records(String... json) throws Exception {
        ObjectMapper mapper = Jackson.newObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String j : json) out.add(mapper.readTree(j));
        return out;
    }
}
