package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.store.MigratedDatabase;
import io.cohort.store.Quarantine;
import io.cohort.store.SharedPostgres;
import io.dropwizard.jackson.Jackson;
import java.util.List;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * cluster.logRetention on the log itself (embedded PostgreSQL, the log's only database): truncation deletes a prefix of old, published
 * entries, never the newest (appends number from it), and a graph whose next entry was deleted
 * is told so instead of silently skipping records.
 */
class IngestLogRetentionTest {
    private static EmbeddedPostgres pg;
    private static int databases;
    private Jdbi jdbi;
    private IngestLog log;
    private final RecordParser parser = new RecordParser(new IngestLimits());

    /** The test JVM's server: the tests make databases of their own on it. */
    @BeforeAll
    static void server() { pg = SharedPostgres.server(); }

    @BeforeEach
    void database() {
        databases++;
        jdbi = MigratedDatabase.create(pg, "retention_" + databases);
        log = new IngestLog(jdbi, Jackson.newObjectMapper());
    }

    @Test
    void truncationDeletesAPrefixOfOldPublishedEntriesAndKeepsTheNewest() throws Exception {
        // Received at 100, 300, 200 (another process's clock), 400, 500.
        long[] at = {100, 300, 200, 400, 500};
        for (int i = 0; i < at.length; i++) log.append("crm-1", person("P" + i), at[i]);
        assertThat(log.first()).isEqualTo(1);

        assertThat(log.truncate(2, 250)).as("up to the newest entry <= 2 received before 250: entry 1").isEqualTo(1);
        assertThat(log.first()).isEqualTo(2);
        assertThat(log.truncate(5, 250)).as("entry 3 (at 200) takes entry 2 (at 300) with it: a prefix, no gap").isEqualTo(2);
        assertThat(log.first()).isEqualTo(4);
        assertThat(log.truncate(5, Long.MAX_VALUE)).as("everything old, but the newest stays").isEqualTo(1);
        assertThat(log.first()).isEqualTo(5);
        assertThat(log.append("crm-1", person("P9"), 600)).as("numbering goes on").isEqualTo(6);
    }

    @Test
    void aGraphWhoseNextEntryWasDeletedIsToldSo() throws Exception {
        for (int i = 0; i < 4; i++) log.append("crm-1", person("P" + i), 100 + i);
        ProfileGraph graph = new ProfileGraph();
        GraphFeed feed = new GraphFeed(log, graph, parser, new Quarantine(jdbi), () -> 1, 10, 10);
        feed.startAfter(1);
        assertThat(feed.catchUp()).isEqualTo(4);

        log.truncate(3, Long.MAX_VALUE);
        GraphFeed late = new GraphFeed(log, new ProfileGraph(), parser, new Quarantine(jdbi), () -> 1, 10, 10);
        late.startAfter(1); // holds entries up to 1; 2 and 3 are gone
        assertThatThrownBy(late::catchUp).isInstanceOf(GraphFeed.Truncated.class).hasMessageContaining("starts at entry 4");
        GraphFeed current = new GraphFeed(log, new ProfileGraph(), parser, new Quarantine(jdbi), () -> 1, 10, 10);
        current.startAfter(3);
        assertThat(current.catchUp()).as("a graph holding up to the entry before the first is fine").isEqualTo(4);
    }

    @Test
    void aFollowingFeedThatFallsBehindStopsAndSaysWhy() throws Exception {
        log.append("crm-1", person("P0"), 100);
        GraphFeed feed = new GraphFeed(log, new ProfileGraph(), parser, new Quarantine(jdbi), () -> 1, 10, 10);
        feed.catchUp();
        // While it is (as if) paused: three more entries, then all but the newest deleted.
        for (int i = 1; i < 4; i++) log.append("crm-1", person("P" + i), 100 + i);
        log.truncate(4, Long.MAX_VALUE);
        feed.start();
        try {
            long until = System.nanoTime() + 10_000_000_000L;
            while (feed.behind() == null && System.nanoTime() < until) Thread.sleep(10);
            assertThat(feed.behind()).as("stopped, with the reason for the health check").isNotNull();
            assertThat(feed.applied()).as("nothing after the gap applied").isEqualTo(1);
        } finally {
            feed.stop();
        }
    }

    private static List<JsonNode> person(String id) throws Exception {
        return List.of(Jackson.newObjectMapper().readTree("{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\""
                + id.toLowerCase() + "@corp.com\"}"));
    }
}
