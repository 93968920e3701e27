package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.AudienceLedger;
import io.cohort.engine.Budget;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.Round;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster takes back a database single mode wrote changes to: single mode numbers its changes
 * on from the highest stored number, the cluster from a PostgreSQL sequence, which single mode
 * never moves. Here single mode writes consent changes (outbox rows, no line in the feed) past the
 * sequence, so the numbers after the cluster's own last one are free in the feed: the cluster
 * took them and its changes sorted before single mode's, for the feed and for receivers keeping
 * the highest {@code seq}. (Where a number was taken in the feed too, the cluster's write failed
 * on the duplicate key and was retried until the sequence passed single mode's numbers.)
 */
class ClusterNumberingIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.numbering", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void theClusterNumbersItsChangesAfterThoseSingleModeWrote() throws Exception {
        ObjectMapper json = Jackson.newObjectMapper();
        RecordParser parser = new RecordParser(new IngestLimits());
        IngestLog log = new IngestLog(f.jdbi, json);
        RecordStore store = new RecordStore(f.jdbi, json);
        Pipeline cluster = Pipeline.journaled(Map.of(), parser, store, log::append, f.clock, new MetricRegistry());
        RandomRecords gen = new RandomRecords(31, ClusterFixture.NOW, 30, 25, 10);

        inCluster(cluster, gen, log);
        assertThat(FeedNumbers.of(f.jdbi).feedRows()).as("the cluster's changes").isPositive();

        // Single mode, with the database to itself: a member of an activated segment opts out and in
        // again until single mode's numbers (outbox rows only) pass the cluster's sequence, which
        // also drew numbers it never stored (outbox rows found already as wanted).
        Qualified member = f.realized().stream().filter(q -> q.segmentId().equals("probe-events")).findFirst().orElseThrow();
        AudienceLedger single = new AudienceLedger(f.jdbi, json, ClusterFixture.ACTIVATIONS, () -> {});
        long drawn = f.jdbi.withHandle(h -> h.createQuery("SELECT last_value FROM cluster_change_seq").mapTo(Long.class).one());
        for (int round = 1; FeedNumbers.of(f.jdbi).highest() <= drawn + 1; round++) {
            assertThat(round).as("rounds to pass the sequence").isLessThan(10_000);
            PersonSnapshot flipped = new PersonSnapshot(member.personId(), "flip@example.com", round % 2 == 1, Map.of());
            single.apply(new Round(round, ClusterFixture.NOW, List.of(), Map.of(member.personId(), flipped), "ingest", null));
        }
        FeedNumbers afterSingle = FeedNumbers.of(f.jdbi);
        assertThat(afterSingle.outbox().get("events-to-marketo/" + member.personId())).as("the member's outbox row")
                .isEqualTo(afterSingle.highest());

        inCluster(cluster, gen, log);
        afterSingle.assertLaterChangesNumberedAfter(f.jdbi);
        assertThat(f.feedViolations()).isEmpty();
    }

    /** A cluster node runs while 30 batches are ingested and evaluated. */
    private static void inCluster(Pipeline cluster, RandomRecords gen, IngestLog log) throws Exception {
        ClusterNode n = node();
        try {
            n.start();
            ClusterFixture.ingest(cluster, gen, 30);
            f.settle(log);
        } finally {
            n.stop();
        }
    }

    private static ClusterNode node() {
        ClusterNode n = new ClusterNode(f.config("a"), f.jdbi, Jackson.newObjectMapper(), new RecordParser(new IngestLimits()),
                ClusterFixture.ACTIVATIONS, f.book, f.clock, ClusterFixture.RETENTION, Budget.DEFAULT);
        n.useStore(ClusterFixture.storeLoader(new RecordStore(f.jdbi, Jackson.newObjectMapper())));
        return n;
    }
}
