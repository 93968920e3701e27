package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.AudienceLedger;
import io.cohort.identity.UnifiedIds;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord.PersonRecord;
import io.dropwizard.jackson.Jackson;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reads of whole tables at start (every stored record after a crash, every membership) must
 * reach PostgreSQL as cursors, a page of rows at a time: its driver does so only when a fetch size
 * is set and the connection is not in autocommit, and otherwise reads the whole result into memory
 * before the first row is handed out (25M records, or 9.6M memberships, at 1M people).
 */
class StreamedReadsTest {
    private static final ObjectMapper JSON = Jackson.newObjectMapper();
    private static EmbeddedPostgres pg;

    /** How a statement reached the driver. */
    private record Executed(String sql, int fetchSize, boolean autoCommit) {}

    @BeforeAll
    static void server() throws Exception { pg = EmbeddedPostgres.builder().start(); }

    @AfterAll
    static void stop() throws Exception { pg.close(); }

    @Test
    void theStartsWholeTableReadsArePagedThroughACursor() throws Exception {
        Jdbi jdbi = MigratedDatabase.create(pg, "streamed_reads");
        List<Executed> executed = new CopyOnWriteArrayList<>();
        jdbi.addCustomizer(new StatementCustomizer() {
            // After: the query's own fetch size is set by a customizer of its own, which may run after this one's "before".
            @Override public void afterExecution(PreparedStatement stmt, StatementContext ctx) throws SQLException {
                executed.add(new Executed(ctx.getRenderedSql(), stmt.getFetchSize(), ctx.getConnection().getAutoCommit()));
            }
        });

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
        assertThat(wholeTables).allSatisfy(e -> {
            assertThat(e.fetchSize()).as(e.sql()).isPositive();
            assertThat(e.autoCommit()).as("autocommit during " + e.sql()).isFalse();
        });
    }
}
