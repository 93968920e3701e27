package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.Budget;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Growing out of single mode: a PostgreSQL database that single mode filled (records stored, no
 * ingest log) is taken over by the first cluster process, which starts the log after single
 * mode's last batch, loads the store and has everyone evaluated once; batches accepted in cluster
 * mode number on after it, and a process started later loads the store up to the same batch, then
 * the log. Graphs and memberships equal a fresh evaluation of the store (single mode's batches
 * were never published, so the relay publishes everyone once for them). Fails when the log's
 * numbering restarts under single mode's batches (the store's newer rows would be skipped), or
 * when those batches are not published (memberships stay empty).
 */
class ClusterConversionIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.conversion", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void aDatabaseSingleModeFilledIsTakenOverByTheCluster() throws Exception {
        ObjectMapper json = Jackson.newObjectMapper();
        RecordParser parser = new RecordParser(new IngestLimits());
        RecordStore store = new RecordStore(f.jdbi, json);
        IngestLog log = new IngestLog(f.jdbi, json);
        RandomRecords gen = new RandomRecords(77, ClusterFixture.NOW, 30, 25, 10);
        // Single mode: stored and applied to its own graph, never journaled.
        Pipeline single = new Pipeline(Map.of(), parser, store, new ProfileGraph(), null, f.clock, new MetricRegistry());
        ClusterFixture.ingest(single, gen, 40);
        long last = new RecordStore(f.jdbi, json).position().lastBatch();
        assertThat(last).isEqualTo(40);
        assertThat(log.first()).isZero();

        ClusterNode a = node("a", parser);
        ClusterNode b = null;
        try {
            a.start();
            assertThat(log.first()).as("the log starts after single mode's batches").isEqualTo(last + 1);
            assertThat(a.loadedFromStoreUpTo()).isEqualTo(last);
            f.settle(log);
            assertSame(a);

            Pipeline cluster = Pipeline.journaled(Map.of(), parser, store, log::append, f.clock, new MetricRegistry());
            ClusterFixture.ingest(cluster, gen, 20);
            assertThat(log.last()).as("cluster batches number on").isEqualTo(last + 21);
            b = node("b", parser);
            b.start();
            assertThat(b.loadedFromStoreUpTo()).isEqualTo(last);
            f.settle(log);
            assertSame(a);
            assertSame(b);
        } finally {
            if (b != null) b.stop();
            a.stop();
        }
    }

    private static void assertSame(ClusterNode n) throws Exception {
        ProfileGraph stored = new ProfileGraph();
        Pipeline.loadInto(new RecordStore(f.jdbi, Jackson.newObjectMapper()), stored, java.time.Instant.MIN, Long.MAX_VALUE, x -> {});
        Set<Qualified> fresh = FreshEvaluation.of(stored, f.book, f.clock, 2);
        assertThat(fresh).as("the data qualifies someone").isNotEmpty();
        assertThat(n.graph().personIds()).containsExactlyInAnyOrderElementsOf(stored.personIds());
        assertThat(f.realized()).as("everyone evaluated once the cluster took over").isEqualTo(fresh);
        assertThat(f.feedViolations()).isEmpty();
    }

    private static ClusterNode node(String name, RecordParser parser) {
        RecordStore store = new RecordStore(f.jdbi, Jackson.newObjectMapper());
        ClusterNode n = new ClusterNode(f.config(name), f.jdbi, Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book,
                f.clock, ClusterFixture.RETENTION, Budget.DEFAULT);
        n.useStore(ClusterFixture.storeLoader(store));
        return n;
    }
}
