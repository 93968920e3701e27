package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.store.SharedPostgres;
import io.dropwizard.testing.ConfigOverride;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 10: a stored record that cannot be loaded never stops a start. The rows are put
 * into the database directly, as an older version (that took an event of year +300000000) or a
 * disk fault would have left them; the real app restarts on that database.
 */
class QuarantineIT {
    @TempDir java.nio.file.Path tmp;

    /** The database the app runs on, for writing rows behind its back. */
    interface Db { Connection connect() throws Exception; }

    Db h2() { return () -> DriverManager.getConnection("jdbc:h2:file:" + tmp.resolve("db/cohort").toAbsolutePath() + ";MODE=PostgreSQL", "sa", ""); }

    void insertRow(Db db, String source, String type, String key, String payload) throws Exception {
        try (Connection c = db.connect()) {
            long seq;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM ingest_batch")) {
                rs.next();
                seq = rs.getLong(1);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO ingest_batch (seq, source, received_at, upserts, deletes) VALUES (?, ?, 0, 1, 0)")) {
                s.setLong(1, seq);
                s.setString(2, source);
                s.execute();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, source);
                s.setString(2, type);
                s.setString(3, key);
                s.setString(4, payload);
                s.setLong(5, seq);
                s.execute();
            }
        }
    }

    long storedRows(Db db, String key) throws Exception {
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM source_record WHERE rkey = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aStoredRecordThatCannotBeLoadedIsQuarantinedAndTheServiceStarts() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            scenario(app, h2());
        }
    }

    @Test
    void onPostgresToo() throws Exception {
        String db = SharedPostgres.newDatabase("quarantine");
        try (CohortApp app = new CohortApp(tmp, SharedPostgres.jdbcUrl(db),
                     ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                     ConfigOverride.config("database.user", "postgres"), ConfigOverride.config("database.password", "postgres"))) {
            scenario(app, () -> SharedPostgres.dataSource(db).getConnection());
        }
    }

    /**
     * A person an older version accepted with an email whose lower case (how it is matched and
     * stored with memberships) is longer than the 320-character column: 300 × U+0130 "İ" is 606
     * characters of "i̇". Every evaluation round after failed writing that membership and was
     * retried each second, so nobody's segments changed any more (the health check said healthy).
     * The email column is left empty for such a person; everyone is evaluated.
     */
    @Test
    void aStoredEmailLongerInLowerCaseThanItsColumnStopsNoEvaluation() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            assertThat(app.post("/v1/sources/generic/records", "application/json", """
                    {"records":[{"type":"account","id":"auto","name":"Auto","industry":"Automotive","employees":5000}]}""")
                    .status()).isEqualTo(200);
            app.stop();
            String email = "\u0130".repeat(300) + "@x.com";
            insertRow(h2(), "generic", "person", "long-lower", "{\"type\":\"person\",\"id\":\"long-lower\",\"email\":\"" + email + "\"}");
            insertRow(h2(), "generic", "accountPerson", "auto|long-lower",
                    "{\"type\":\"accountPerson\",\"accountId\":\"auto\",\"personId\":\"long-lower\"}");
            app.start();
            assertThat(app.post("/v1/sources/generic/records", "application/json", """
                    {"records":[{"type":"person","id":"innocent","email":"innocent@q.example"},
                     {"type":"accountPerson","accountId":"auto","personId":"innocent"}]}""").status()).isEqualTo(200);
            java.util.Set<String> members = java.util.Set.of();
            for (int i = 0; i < 100 && members.size() < 2; i++) {
                Thread.sleep(100);
                members = new java.util.TreeSet<>();
                for (JsonNode m : app.get("/v1/segments/enterprise-automotive/members").json().get("members")) {
                    members.add(m.get("profileId").asText());
                }
            }
            String innocent = app.get("/v1/profiles?email=innocent@q.example").json().get("id").asText();
            String longLower = app.get("/v1/profiles?email=" + java.net.URLEncoder.encode(email, java.nio.charset.StandardCharsets.UTF_8))
                    .json().get("id").asText();
            assertThat(members).containsExactlyInAnyOrder(innocent, longLower);
            // And after a restart, from the snapshot.
            app.stop();
            app.start();
            assertThat(app.get("/v1/segments/enterprise-automotive").json().get("size").asInt()).isEqualTo(2);
            assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
        }
    }

    void scenario(CohortApp app, Db db) throws Exception {
        app.start();
        assertThat(app.post("/v1/sources/generic/records", "application/json", """
                {"records":[{"type":"person","id":"good","email":"good@q.example"},
                 {"type":"event","id":"ok-1","personId":"good","eventType":"web.webpagedetails.pageViews","timestamp":"2026-11-20T10:00:00Z"}]}""")
                .status()).isEqualTo(200);
        app.stop();

        // What an older version stored (the timestamp overflowed epoch milliseconds at every start), a
        // damaged payload, and a record type this version does not know.
        insertRow(db, "generic", "event", "far", "{\"type\":\"event\",\"id\":\"far\",\"personId\":\"good\","
                + "\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"+300000000-01-01T00:00:00Z\",\"attributes\":{}}");
        insertRow(db, "generic", "person", "torn", "{\"type\":\"person\",\"id\":\"to");
        insertRow(db, "generic", "gizmo", "g1", "{\"type\":\"gizmo\",\"id\":\"g1\"}");

        String startLog = startCapturingStdout(app);
        app.settle();
        // It started and serves what is good.
        assertThat(app.get("/v1/profiles?email=good@q.example").status()).isEqualTo(200);
        assertThat(app.get("/v1/sources/generic/records/event/ok-1").status()).isEqualTo(200);
        assertThat(app.admin("/healthcheck").status()).isEqualTo(200);

        JsonNode q = app.get("/v1/sources/quarantine").json();
        assertThat(q.get("total").asLong()).isEqualTo(3);
        Map<String, JsonNode> byKey = new java.util.TreeMap<>();
        q.get("records").forEach(e -> byKey.put(e.get("key").asText(), e));
        assertThat(byKey).containsOnlyKeys("far", "torn", "g1");
        assertThat(byKey.get("far").get("type").asText()).isEqualTo("event");
        assertThat(byKey.get("far").get("source").asText()).isEqualTo("generic");
        assertThat(byKey.get("far").get("reason").asText()).contains("could not be applied").contains("ArithmeticException");
        assertThat(byKey.get("far").get("payload").asText()).contains("+300000000");
        assertThat(byKey.get("torn").get("reason").asText()).contains("unreadable");
        assertThat(byKey.get("torn").get("payload").asText()).isEqualTo("{\"type\":\"person\",\"id\":\"to");
        assertThat(byKey.get("g1").get("reason").asText()).contains("gizmo");
        assertThat(byKey.get("far").get("quarantinedAt").asText()).matches("\\d{4}-.*Z");
        assertThat(byKey.get("far").get("batch").asLong()).isPositive();
        // Moved out of the store, counted in a metric, logged once each.
        for (String k : byKey.keySet()) assertThat(storedRows(db, k)).as(k).isZero();
        assertThat(metric(app, "cohort.store.quarantined")).isEqualTo(3);
        assertThat(startLog.lines().filter(l -> l.contains("quarantined stored record generic")).toList()).hasSize(3)
                .anySatisfy(l -> assertThat(l).startsWith("ERROR").contains("event 'far'").contains("GET /v1/sources/quarantine"));

        // Operators only.
        CohortApp.Response reader = app.send("GET", "/v1/sources/quarantine", null, null, "test-token-reader");
        assertThat(reader.status()).isEqualTo(403);
        assertThat(app.send("GET", "/v1/sources/quarantine", null, null, "test-token-operator").status()).isEqualTo(200);
        assertThat(app.get("/v1/sources/quarantine?limit=0").status()).isEqualTo(400);
        JsonNode page = app.get("/v1/sources/quarantine?limit=2").json();
        assertThat(page.get("records")).hasSize(2);
        assertThat(app.get("/v1/sources/quarantine?after=" + page.get("next").asLong()).json().get("records")).hasSize(1);

        // A restart finds nothing more to quarantine; the entries stay until the operator discards them.
        app.stop();
        assertThat(startCapturingStdout(app)).doesNotContain("quarantined stored record");
        assertThat(app.get("/v1/sources/quarantine").json().get("total").asLong()).isEqualTo(3);
        long id = byKey.get("g1").get("id").asLong();
        CohortApp.Response discarded = app.send("DELETE", "/v1/sources/quarantine/" + id, null, null, CohortApp.TOKEN);
        assertThat(discarded.status()).as(discarded.toString()).isEqualTo(200);
        assertThat(discarded.json().get("key").asText()).isEqualTo("g1");
        assertThat(app.send("DELETE", "/v1/sources/quarantine/" + id, null, null, CohortApp.TOKEN).status()).isEqualTo(404);
        assertThat(metric(app, "cohort.store.quarantined")).isEqualTo(2);
    }

    /** Starts the app and returns what it logged meanwhile (Dropwizard's console appender writes to System.out). */
    static String startCapturingStdout(CohortApp app) throws Exception {
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            app.start();
        } finally {
            System.setOut(out);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        out.print(log);
        return log;
    }

    static long metric(CohortApp app, String gauge) {
        return app.admin("/metrics").json().get("gauges").get(gauge).get("value").asLong();
    }
}
