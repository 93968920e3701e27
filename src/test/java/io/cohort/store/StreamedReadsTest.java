package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.AudienceLedger;
import io.cohort.identity.UnifiedIds;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord.PersonRecord;
import io.dropwizard.jackson.Jackson;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reads of whole tables at start (every stored record after a crash, every membership) must
 * reach PostgreSQL as cursors, a page of rows at a time: its driver does so only when a fetch size
 * is set and the connection is not in autocommit, and otherwise reads the whole result into memory
 * before the first row is handed out (25M records, or 9.6M memberships, at 1M people). H2 must
 * run them lazily ({@link WholeTableReads}).
 */
class StreamedReadsTest {
    private static final ObjectMapper JSON = Jackson.newObjectMapper();
    private static EmbeddedPostgres pg;

    /** How a statement reached the driver. */
    private record Executed(String sql, int fetchSize, boolean autoCommit, boolean lazy) {}

    /** The test JVM's server: the tests make databases of their own on it. */
    @BeforeAll
    static void server() { pg = SharedPostgres.server(); }

    @Test
    void theStartsWholeTableReadsArePagedThroughACursor() throws Exception {
        Jdbi jdbi = MigratedDatabase.create(pg, "streamed_reads");
        List<Executed> executed = watch(jdbi);
        List<Executed> wholeTables = readEverything(jdbi, executed);
        assertThat(wholeTables).allSatisfy(e -> {
            assertThat(e.fetchSize()).as(e.sql()).isPositive();
            assertThat(e.autoCommit()).as("autocommit during " + e.sql()).isFalse();
        });
    }

    /**
     * H2 makes a query's whole result before the first row is read (on disk past a few thousand
     * rows: a crash restart at 1M people wrote 25M rows to a temporary file, minutes, before it
     * applied one) unless the session runs queries lazily; the setting must not outlive the read,
     * or the pool's next user (an ingest that updates what it reads) would get it.
     */
    @Test
    void onH2TheWholeTableReadsRunLazilyAndLeaveTheSessionAsTheyFoundIt(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("cohort");
        String url = "jdbc:h2:file:" + base + ";MODE=PostgreSQL";
        JdbcConnectionPool one = JdbcConnectionPool.create(url, "sa", "");
        one.setMaxConnections(1); // every handle gets the same session: a setting left behind would show
        try {
            MigratedTemplates.h2(base);
            if (!MigratedTemplates.ENABLED) Migrations.migrate(one);
            Jdbi jdbi = Jdbi.create(one);
            List<Executed> executed = watch(jdbi);
            assertThat(lazy(jdbi)).isFalse();
            List<Executed> wholeTables = readEverything(jdbi, executed);
            assertThat(wholeTables).allSatisfy(e -> assertThat(e.lazy()).as("lazy during " + e.sql()).isTrue());
            assertThat(lazy(jdbi)).as("the session after the reads").isFalse();
        } finally {
            one.dispose();
        }
    }

    private static boolean lazy(Jdbi jdbi) {
        return jdbi.withHandle(h -> lazy(h.getConnection()));
    }

    /** The session's own flag (H2 does not list it among its settings). */
    private static boolean lazy(Connection c) {
        try {
            return ((SessionLocal) c.unwrap(JdbcConnection.class).getSession()).isLazyQueryExecution();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Executed> watch(Jdbi jdbi) throws SQLException {
        List<Executed> executed = new CopyOnWriteArrayList<>();
        boolean h2 = jdbi.withHandle(h -> h.getConnection().getMetaData().getDatabaseProductName().equals("H2"));
        jdbi.addCustomizer(new StatementCustomizer() {
            // After: the query's own fetch size is set by a customizer of its own, which may run after this one's "before".
            @Override public void afterExecution(PreparedStatement stmt, StatementContext ctx) throws SQLException {
                executed.add(new Executed(ctx.getRenderedSql(), stmt.getFetchSize(), ctx.getConnection().getAutoCommit(),
                        h2 && lazy(ctx.getConnection())));
            }
        });
        return executed;
    }

    /** Stores 50 records and 30 memberships, reads them the three ways a start or discovery does; returns how those reads ran. */
    private static List<Executed> readEverything(Jdbi jdbi, List<Executed> executed) {
        RecordStore store = new RecordStore(jdbi, JSON);
        List<RecordChange> people = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            people.add(new RecordChange.Upsert(new PersonRecord("P" + i, "p" + i + "@corp.example", null, null, null, null, null, Map.of())));
        }
        store.append("crm-1", people, 0L);
        jdbi.useHandle(h -> {
            for (int i = 0; i < 30; i++) {
                h.execute("INSERT INTO membership (segment_id, person_id, status, change_seq) VALUES (?, ?, 'realized', ?)",
                        i % 2 == 0 ? "even" : "odd", UnifiedIds.personId(1000 + i), i);
            }
        });

        executed.clear();
        List<StoredRecord> read = new ArrayList<>();
        store.forEach(read::add);
        List<String> payloads = new ArrayList<>();
        store.payloads("person", payloads::add);
        AudienceLedger ledger = new AudienceLedger(jdbi, JSON, List.of(), () -> {});
        int memberships = ledger.realized().size();

        assertThat(read).hasSize(50);
        assertThat(payloads).hasSize(50);
        assertThat(memberships).isEqualTo(30);
        List<Executed> wholeTables = executed.stream()
                .filter(e -> e.sql().contains("FROM source_record") || e.sql().contains("FROM membership ")).toList();
        assertThat(wholeTables).hasSize(3);
        return wholeTables;
    }
}
