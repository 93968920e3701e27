package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rebalance while PostgreSQL cannot be reached: a worker that is assigned partitions then
 * cannot claim them. It keeps trying, and once the database is back it claims them and works
 * on, without a restart of its process. Before, the claim's failure ended the poll that ran the
 * rebalance callback and with it the worker's thread: the process stayed up and healthy-looking
 * with no share of the work (CI saw a cluster stop evaluating after a PostgreSQL restart).
 */
class WorkerDatabaseOutageIT {
    static final int PARTITIONS = 4;

    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.worker-outage", PARTITIONS); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void aWorkerAssignedPartitionsWhileTheDatabaseIsAwayClaimsThemOnceItIsBack() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        AtomicLong applied = new AtomicLong();
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(20261207L, ClusterFixture.NOW, 40, 30, 10);
        Cuttable db = new Cuttable(f.pool());
        PartitionWorker w1 = f.worker("w1", graph, applied::get, Jdbi.create(db));
        PartitionWorker w2 = null;
        try (WorkPublisher publisher = new WorkPublisher(f.config("ingest"))) {
            w1.start();
            int step = ingest(graph, applied, parser, gen, publisher, 0, 40);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).as("w1 alone caught up").isTrue();
            assertThat(w1.owned()).hasSize(PARTITIONS);

            // A second worker joins and takes its share (through the database that stays up); then the
            // database goes away for w1, and w2 leaves: Kafka assigns its partitions back to w1.
            PartitionWorker second = f.worker("w2", graph, applied::get);
            w2 = second;
            second.start();
            await(() -> !second.owned().isEmpty() && w1.owned().size() < PARTITIONS, Duration.ofSeconds(60), "w2 took partitions from w1");
            db.down = true;
            w2.stop();
            await(() -> db.refused.get() > 0, Duration.ofSeconds(60), "w1 tried to claim w2's partitions while the database was away");
            Thread.sleep(2_000); // several claim attempts fail
            db.down = false;

            long before = w1.committedMessages();
            ingest(graph, applied, parser, gen, publisher, step, 30);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).as("the work published after the outage is done").isTrue();
            assertThat(w1.owned()).as("w1 owns every partition again").hasSize(PARTITIONS);
            assertThat(w1.committedMessages()).as("w1 worked after the outage").isGreaterThan(before);
            Set<Qualified> fresh = FreshEvaluation.of(graph, f.book, f.clock, 2);
            assertThat(fresh).as("the random data qualifies people").isNotEmpty();
            assertThat(f.realized()).as("memberships = a fresh evaluation of the final graph").isEqualTo(fresh);
            assertThat(f.feedViolations()).as("change feeds fold to the memberships").isEmpty();
        } finally {
            db.down = false;
            w1.stop();
            if (w2 != null) w2.stop();
        }
    }

    private static int ingest(ProfileGraph graph, AtomicLong applied, RecordParser parser, RandomRecords gen, WorkPublisher publisher,
                              int from, int batches) {
        int depth = f.book.shape().depth();
        int step = from;
        for (int i = 0; i < batches; i++) {
            step++;
            RandomRecords.Batch b = gen.next();
            var touched = graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), step);
            applied.set(step);
            publisher.publish(graph.affected(touched, depth), step);
        }
        return step;
    }

    private static void await(java.util.function.BooleanSupplier done, Duration patience, String what) throws InterruptedException {
        long until = System.nanoTime() + patience.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > until) throw new AssertionError("not within " + patience + ": " + what);
            Thread.sleep(50);
        }
    }

    /** The fixture's pool, refusing every new handle while {@code down}: as a stopped server refuses connections. */
    static final class Cuttable implements DataSource {
        private final DataSource pool;
        volatile boolean down;
        final AtomicInteger refused = new AtomicInteger();

        Cuttable(DataSource pool) { this.pool = pool; }

        private void check() throws SQLException {
            if (down) {
                refused.incrementAndGet();
                throw new SQLTransientConnectionException("Connection refused (the test took the database away)", "08001");
            }
        }

        @Override public Connection getConnection() throws SQLException {
            check();
            return pool.getConnection();
        }

        @Override public Connection getConnection(String user, String password) throws SQLException {
            check();
            return pool.getConnection(user, password);
        }

        @Override public PrintWriter getLogWriter() throws SQLException { return pool.getLogWriter(); }

        @Override public void setLogWriter(PrintWriter out) throws SQLException { pool.setLogWriter(out); }

        @Override public void setLoginTimeout(int seconds) throws SQLException { pool.setLoginTimeout(seconds); }

        @Override public int getLoginTimeout() throws SQLException { return pool.getLoginTimeout(); }

        @Override public Logger getParentLogger() throws java.sql.SQLFeatureNotSupportedException { return pool.getParentLogger(); }

        @Override public <T> T unwrap(Class<T> iface) throws SQLException { return pool.unwrap(iface); }

        @Override public boolean isWrapperFor(Class<?> iface) throws SQLException { return pool.isWrapperFor(iface); }
    }
}
