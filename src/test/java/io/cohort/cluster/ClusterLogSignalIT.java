package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.Budget;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LISTEN/NOTIFY on the ingest log: with the fallback poll set to a minute, a batch appended after
 * the start reaches the graph, the relay and the memberships within seconds, so only the append's
 * notification can have woken the feed (and the feed the relay). Fails without the NOTIFY.
 */
class ClusterLogSignalIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.signal", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void anAppendWakesTheFeedAndTheRelayWithoutWaitingForThePoll() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        ClusterNode node = new ClusterNode(f.config("s1").logPoll(io.dropwizard.util.Duration.minutes(1)), f.jdbi,
                Jackson.newObjectMapper(), parser, ClusterFixture.ACTIVATIONS, f.book, f.clock, ClusterFixture.RETENTION, Budget.DEFAULT);
        try {
            node.start();
            Thread.sleep(1_000); // the feed's first round is over: it polls again in a minute
            Qualified pn = ClusterFixture.twoEvents(log, parser, "PN", ClusterFixture.NOW.minus(Duration.ofDays(3)),
                    ClusterFixture.NOW.minus(Duration.ofDays(1)));
            long until = System.nanoTime() + 20_000_000_000L;
            while (!f.realized().contains(pn) && System.nanoTime() < until) Thread.sleep(50);
            assertThat(f.realized()).as("evaluated well before the minute's poll").contains(pn);
            assertThat(node.feed().applied()).isEqualTo(log.last());
        } finally {
            node.stop();
        }
    }
}
