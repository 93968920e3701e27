package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.store.Durability;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database cannot take a request now (here: a row the batch must replace is locked by another
 * transaction longer than H2's lock timeout, as a long report or a stuck session would hold it).
 * The client's batch was fine: it gets a 503 with Retry-After that says what happened, not a 500;
 * nothing of it is stored, nothing accepted before is lost, and the same batch sent again once the
 * lock is gone is stored and evaluated.
 */
class StoreUnavailableIT {
    static final String RECORDS = "/v1/sources/crm-1/records";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static Http.Reply post(String body) { return Http.api(app.port(), "POST", RECORDS, "application/json", body); }

    long rows() { return app.app().services().store().count(); }

    /** The service's own embedded database, opened a second time in this JVM (H2 shares it). */
    static Connection openStore() throws java.sql.SQLException {
        return DriverManager.getConnection(Durability.durableUrl(app.dbUrl()), "sa", "");
    }

    @Test
    void aLockWaitThatTimesOutIsA503WithRetryAfterAndTheBatchGoesInWhenSentAgain() throws Exception {
        Http.Reply first = post("{\"records\":[{\"type\":\"person\",\"id\":\"lk-1\",\"email\":\"lk1@example.com\",\"title\":\"Buyer\"}]}");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        app.settle();
        long before = rows();
        String batch = "{\"records\":[{\"type\":\"person\",\"id\":\"lk-1\",\"email\":\"lk1@example.com\",\"title\":\"CFO\"},"
                + "{\"type\":\"person\",\"id\":\"lk-2\",\"email\":\"lk2@example.com\"}]}";
        try (Connection c = openStore()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                int locked = s.executeUpdate("UPDATE source_record SET batch_seq = batch_seq "
                        + "WHERE source = 'crm-1' AND rtype = 'person' AND rkey = 'lk-1'");
                assertThat(locked).isEqualTo(1);
            }
            Http.Reply refused = post(batch);
            Http.assertJsonError(refused, 503, "the database could not complete this request now", "lock wait timed out",
                    "send it again");
            assertThat(refused.header("Retry-After")).isEqualTo("5");
            assertThat(refused.json().get("message").asText()).doesNotContain("source_record").doesNotContain("lk-1");
            assertThat(rows()).as("nothing of the refused batch is stored").isEqualTo(before);
            c.rollback();
        }
        Http.Reply again = post(batch);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        app.settle();
        assertThat(rows()).isEqualTo(before + 1);
        var profile = Http.api(app.port(), "GET", "/v1/profiles?email=lk1@example.com", null, null);
        assertThat(profile.status()).as(profile.toString()).isEqualTo(200);
        assertThat(profile.json().get("title").asText()).isEqualTo("CFO");
        assertThat(Http.api(app.port(), "GET", "/v1/profiles?email=lk2@example.com", null, null).status()).isEqualTo(200);
    }

    @Test
    void aDatabaseFaultThatARetryCannotMendIsStillA500() throws Exception {
        // A constraint the service's own validation should have prevented is a fault of ours, not a wait.
        try (Connection c = openStore(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE source_record ADD CONSTRAINT test_no_zz CHECK (rkey <> 'zz-1')");
            try {
                Http.Reply r = post("{\"records\":[{\"type\":\"person\",\"id\":\"zz-1\"}]}");
                Http.assertJsonError(r, 500, "internal error; it was logged with request id");
                assertThat(r.header("Retry-After")).isNull();
            } finally {
                s.execute("ALTER TABLE source_record DROP CONSTRAINT test_no_zz");
            }
        }
    }
}
