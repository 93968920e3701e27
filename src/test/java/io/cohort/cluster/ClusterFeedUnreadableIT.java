package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.api.resources.QuarantineResource;
import io.cohort.identity.ProfileGraph;
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
 * Log entries whose stored text is not a list of records (a hand edit: text that is not JSON, and
 * JSON that is an object) stop no process: both nodes' feeds and the relay pass them, later
 * batches are evaluated, each entry is quarantined once for the cluster (GET
 * /v1/sources/quarantine: the log seq, the text as stored, why) with the stored record it wrote,
 * and a node started afterwards catches up at start. Before, every feed stopped at the first.
 */
class ClusterFeedUnreadableIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.feed-unreadable", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void anEntryThatIsNotAListOfRecordsIsSkippedWholeAndQuarantinedOnce() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(4711, ClusterFixture.NOW, 30, 25, 10);
        FeedLog logged = new FeedLog();
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) nodes.add(f.startNode("fu" + i, parser));
            ClusterFixture.awaitEachOwnsPartitions(nodes);
            ClusterFixture.append(log, parser, gen, 20);

            // Cut short by a hand edit, with the record its batch stored; then JSON that is not a list.
            long cut = log.last() + 1;
            String cutText = "[{\"type\":\"person\",\"id\":\"PU\",\"email\":\"pu@corp.example\"";
            String person = "{\"type\":\"person\",\"id\":\"PU\",\"email\":\"pu@corp.example\"}";
            f.jdbi.useTransaction(h -> {
                h.execute("INSERT INTO cluster_ingest_log (seq, source, records, received_at) VALUES (?, ?, ?, ?)",
                        cut, RandomRecords.CRM, cutText, System.currentTimeMillis());
                h.execute("INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, 'person', 'PU', ?, ?)",
                        RandomRecords.CRM, person, cut);
            });
            long object = cut + 1;
            f.jdbi.useHandle(h -> h.execute("INSERT INTO cluster_ingest_log (seq, source, records, received_at) VALUES (?, ?, ?, ?)",
                    object, RandomRecords.CRM, "{\"records\":[" + person + "]}", System.currentTimeMillis()));
            Qualified later = ClusterFixture.twoEvents(log, parser, "PLATER", ClusterFixture.NOW.minus(Duration.ofDays(2)),
                    ClusterFixture.NOW.minus(Duration.ofDays(1)));
            ClusterFixture.append(log, parser, gen, 20);
            long last = log.last();

            long fed = System.nanoTime() + 30_000_000_000L;
            while (nodes.stream().anyMatch(n -> n.feed().applied() < last) && System.nanoTime() < fed) Thread.sleep(50);
            assertThat(nodes).as("every node's graph got past entries " + cut + " and " + object)
                    .allMatch(n -> n.feed().applied() == last);
            f.awaitPublished(last, Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();

            ProfileGraph graph = f.replay(parser);
            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(fresh).as("a batch after the skipped entries counts").contains(later);
            assertThat(f.realized()).as("memberships = a fresh evaluation of the log without the skipped entries").isEqualTo(fresh);
            assertThat(f.feedViolations()).isEmpty();

            QuarantineResource.Page page = new QuarantineResource(new Quarantine(f.jdbi)).list("0", "100");
            assertThat(page.records()).extracting(Quarantine.Entry::key)
                    .as("each entry once, although both nodes replayed them; the stored record with the first")
                    .containsExactly("(ingest log entry " + cut + ")", "PU", "(ingest log entry " + object + ")");
            assertThat(page.records()).extracting(Quarantine.Entry::batch).as("the log seq").containsExactly(cut, cut, object);
            Quarantine.Entry q = page.records().get(0);
            assertThat(q.source()).isEqualTo(RandomRecords.CRM);
            assertThat(q.type()).isEqualTo(Quarantine.LOG_ENTRY_TYPE);
            assertThat(q.reason()).contains("ingest log entry " + cut + " skipped whole", "not JSON");
            assertThat(q.payload()).as("the text as stored: nothing accepted is lost").isEqualTo(cutText);
            assertThat(page.records().get(1).payload()).isEqualTo(person);
            assertThat(page.records().get(1).reason()).contains("stored by ingest log entry " + cut);
            assertThat(page.records().get(2).reason()).contains("a JSON object, not a list of records");
            long storedBySkipped = f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record WHERE batch_seq IN (?, ?)")
                    .bind(0, cut).bind(1, object).mapTo(Long.class).one());
            assertThat(storedBySkipped).as("the store serves nothing no graph holds").isZero();
            assertThat(logged.errorsAbout("whole")).as("one process logged each skip as an error").hasSize(2);

            // A node started afterwards replays the whole log at start, before serving.
            ClusterNode late = f.startNode("fu-late", parser);
            nodes.add(late);
            assertThat(late.started()).isTrue();
            assertThat(late.feed().applied()).as("the new node caught up at start").isEqualTo(last);
            assertThat(FreshEvaluation.of(late.graph(), f.book, f.clock, 2)).isEqualTo(fresh);
            assertThat(new Quarantine(f.jdbi).count()).isEqualTo(3);
            assertThat(logged.errorsAbout("whole")).as("later replays warn only").hasSize(2);
        } finally {
            logged.close();
            for (ClusterNode n : nodes) n.stop();
        }
    }
}
