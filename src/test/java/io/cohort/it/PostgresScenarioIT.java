package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.testing.ConfigOverride;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Bodea story on a real PostgreSQL server (embedded binaries), including a restart. */
class PostgresScenarioIT {
    static EmbeddedPostgres pg;

    @BeforeAll static void startPostgres() throws Exception { pg = EmbeddedPostgres.builder().start(); }

    @AfterAll static void stopPostgres() throws Exception { if (pg != null) pg.close(); }

    @TempDir Path tmp;

    @Test
    void bodeaOnPostgres() throws Exception {
        String url = pg.getJdbcUrl("postgres", "postgres");
        ConfigOverride[] o = {
            ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
            ConfigOverride.config("database.user", "postgres"),
            ConfigOverride.config("database.password", "postgres")
        };
        try (CohortApp app = new CohortApp(tmp, url, o)) {
            app.start();
            app.task("clock?set=2026-11-25T00:00:00Z");
            BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            String id = app.get("/v1/profiles?email=p2@townsend.com").json().get("id").asText();
            app.stop();
            app.start();
            app.task("clock?set=2026-11-25T00:00:00Z");
            assertThat(app.get("/v1/profiles?email=p2@townsend.com").json().get("id").asText()).isEqualTo(id);
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            assertThat(app.get("/v1/segments/high-value-new-product/changes").json().get("changes")).hasSize(1);
        }
    }
}
