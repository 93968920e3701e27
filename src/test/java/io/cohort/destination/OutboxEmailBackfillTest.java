package io.cohort.destination;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.store.Migrations;
import io.cohort.store.OlderSchema;
import io.cohort.store.SharedPostgres;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbox rows written before the email column existed get their email from the payload when the
 * changeset is applied (H2 and PostgreSQL), so a merge's exit is checked against them too.
 */
class OutboxEmailBackfillTest {
    @TempDir Path tmp;

    @Test
    void backfillsOnH2() throws Exception {
        backfills(io.cohort.store.OlderSchema.h2(tmp));
    }

    @Test
    void backfillsOnPostgres() throws Exception {
        backfills(SharedPostgres.dataSource(SharedPostgres.newDatabase("outbox_email_backfill")));
    }

    private void backfills(DataSource ds) throws Exception {
        OlderSchema.migrateUpTo(ds, "013-outbox-email");
        Jdbi jdbi = Jdbi.create(ds);
        jdbi.useHandle(h -> {
            String sql = "INSERT INTO outbox (activation_id, person_id, action, seq, payload, changed_at) VALUES ('a', ?, 'add', ?, ?, 0)";
            h.execute(sql, "p1", 1, "{\"email\":\"P1@Townsend.com\",\"identities\":{\"marketo-1\":[\"1001\"]}}");
            h.execute(sql, "p2", 2, "{\"email\":null,\"identities\":{}}");
            h.execute(sql, "p3", 3, "{\"identities\":{},\"email\":\"p3@townsend.com\"}");
        });
        Migrations.migrate(ds);
        assertThat(new OutboxStore(jdbi).wantedEmails("a", java.util.List.of("p1@townsend.com", "p3@townsend.com", "p2@townsend.com")))
                .isEqualTo(Map.of("p1@townsend.com", java.util.Set.of("p1"), "p3@townsend.com", java.util.Set.of("p3")));
    }
}
