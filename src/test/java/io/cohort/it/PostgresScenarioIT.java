package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.store.SharedPostgres;
import io.dropwizard.testing.ConfigOverride;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Bodea story on a real PostgreSQL server (embedded binaries), including a restart. */
class PostgresScenarioIT {
    /** The class's database, on the test JVM's server ({@link SharedPostgres}). */
    static String db;

    @BeforeAll static void database() { db = SharedPostgres.jdbcUrl(SharedPostgres.newDatabase("postgres_scenario")); }

    @TempDir Path tmp;

    @Test
    void bodeaOnPostgres() throws Exception {
        String url = db;
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

    /**
     * A key asked for with NUL in it: PostgreSQL cannot compare such a text, and the read failed
     * with a 500 (H2 answered 404). No stored id holds NUL, so it is a client's mistake: a 400.
     */
    @Test
    void aNulInARecordKeyAskedForIsA400NotA500() throws Exception {
        try (CohortApp app = new CohortApp(tmp, db,
                ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                ConfigOverride.config("database.user", "postgres"), ConfigOverride.config("database.password", "postgres"))) {
            app.start();
            assertThat(app.post("/v1/sources/generic/records", "application/json",
                    "{\"records\":[{\"type\":\"person\",\"id\":\"nul-reader\"}]}").status()).isEqualTo(200);
            for (String query : new String[] {"person?id=%00", "person?id=nul-reader%00", "accountPerson?accountId=a&personId=%00b"}) {
                CohortApp.Response r = app.get("/v1/sources/generic/records/" + query);
                assertThat(r.status()).as(query + ": " + r).isEqualTo(400);
                assertThat(r.json().get("message").asText()).contains("NUL");
            }
            assertThat(app.get("/v1/sources/generic/records/person?id=nul-reader").status()).isEqualTo(200);
        }
    }

    /**
     * An MDM link sent without an id is keyed by its members; four members of 240 CJK characters
     * made a key of ~990 characters (under the column's 1,024) but ~3,000 bytes, over PostgreSQL's
     * 2,704-byte index row: the batch was answered 500. Such a key is now the list's SHA-256.
     */
    @Test
    void aLinkWithoutAnIdWhoseMembersAreLongInUtf8IsStoredOnPostgres() throws Exception {
        java.util.Random r = new java.util.Random(3);
        StringBuilder members = new StringBuilder();
        for (int k = 0; k < 4; k++) {
            StringBuilder id = new StringBuilder();
            for (int i = 0; i < 240; i++) id.append((char) (0x4E00 + r.nextInt(0x5000)));
            members.append(k == 0 ? "" : ",").append("{\"source\":\"crm-1\",\"id\":\"").append(id).append("\"}");
        }
        String link = "{\"records\":[{\"type\":\"accountLink\",\"name\":\"wide\",\"accounts\":[" + members + "]}]}";
        try (CohortApp app = new CohortApp(tmp, db,
                ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                ConfigOverride.config("database.user", "postgres"), ConfigOverride.config("database.password", "postgres"))) {
            app.start();
            CohortApp.Response r1 = app.post("/v1/sources/mdm/records", "application/json", link);
            assertThat(r1.status()).as(r1.toString()).isEqualTo(200);
            long rows = app.app().services().store().count();
            // Sent again: the same key, so one record still.
            assertThat(app.post("/v1/sources/mdm/records", "application/json", link).status()).isEqualTo(200);
            assertThat(app.app().services().store().count()).isEqualTo(rows);
            app.stop();
            app.start();
            assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
        }
    }
}
