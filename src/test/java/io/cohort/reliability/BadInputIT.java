package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.it.CohortApp;
import io.cohort.store.RecordStore;
import io.dropwizard.testing.ConfigOverride;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input: a generated corpus (BadInputCorpus, seeded) against every write endpoint. Never
 * a 5xx; every refusal a JSON body with a message, and field errors naming the bad record; never
 * a partly stored batch (the valid record sent with the bad one is not stored, the store's row
 * count and batch number do not move); and the service answers normally afterwards.
 * Long run: -Dreliability.corpusSeeds=5 -Dreliability.postgres=true (reliability/run.sh).
 */
class BadInputIT {
    static final int SEEDS = Integer.getInteger("reliability.corpusSeeds", 1);

    @TempDir Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void hostileRequestsAreRefusedCleanlyAndStoreNothing() throws Exception {
        boolean postgres = Boolean.getBoolean("reliability.postgres");
        try (EmbeddedPostgres pg = postgres ? EmbeddedPostgres.builder().start() : null;
             CohortApp app = postgres ? new CohortApp(dir, pg.getJdbcUrl("postgres", "postgres"),
                     ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                     ConfigOverride.config("database.user", "postgres"), ConfigOverride.config("database.password", ""))
                     : new CohortApp(dir)) {
            app.start();
            RecordStore store = app.app().services().store();
            List<String> failures = new ArrayList<>();
            Map<Integer, Integer> byStatus = new TreeMap<>();
            int sent = 0;
            for (long seed = 1; seed <= SEEDS; seed++) {
                for (BadInputCorpus.Payload p : new BadInputCorpus(seed, 5_000).generate()) {
                    long rows = store.count();
                    long batch = store.lastBatchSeq();
                    var r = send(app, p);
                    sent++;
                    byStatus.merge(r.status(), 1, Integer::sum);
                    String problem = check(app, p, r, store.count() - rows, store.lastBatchSeq() - batch);
                    if (problem != null) failures.add(p.name() + " -> " + problem);
                }
            }
            // These must be refused, not merely answered cleanly: each was stored before. (Seed 999: keys
            // of their valid records that no corpus run stored.)
            for (BadInputCorpus.Refused x : new BadInputCorpus(999, 5_000).refused()) {
                long rows = store.count();
                long batch = store.lastBatchSeq();
                var r = send(app, x.payload());
                sent++;
                byStatus.merge(r.status(), 1, Integer::sum);
                String problem = r.status() != 400 ? "not refused: " + r
                        : check(app, x.payload(), r, store.count() - rows, store.lastBatchSeq() - batch);
                if (problem == null && !r.json().path("errors").toString().contains("\"field\":\"" + x.field() + "\"")) {
                    problem = "no error naming " + x.field() + ": " + r;
                }
                if (problem != null) failures.add(x.payload().name() + " -> " + problem);
            }
            System.out.printf("bad input: %d requests, answers by status %s, %d problems, %d resent on a closed connection%n",
                    sent, byStatus, failures.size(), retries);
            assertThat(sent).isGreaterThanOrEqualTo(1_000);
            assertThat(failures).as("of %d hostile requests", sent).isEmpty();
            stillServes(app);
        }
    }

    /** @return what is wrong with the answer to {@code p}, or null */
    private String check(CohortApp app, BadInputCorpus.Payload p, CohortApp.Response r, long rowsAdded, long batchesAdded) {
        if (r.status() >= 500) return "server error " + r;
        if (r.status() == 200 || (p.path().startsWith("/v1/rules") && r.status() == 422)) {
            if (p.path().startsWith("/v1/rules")) return null;
            if (batchesAdded != 1) return "accepted, but " + batchesAdded + " batches stored";
            if (p.validKey() != null && app.get("/v1/sources/crm-1/records/person/" + p.validKey()).status() != 200) {
                return "accepted, but its valid record is missing";
            }
            return null;
        }
        JsonNode body;
        try {
            body = r.json();
        } catch (IllegalStateException e) {
            return "refusal is not JSON: " + r;
        }
        if (!body.path("message").isTextual() || body.path("message").asText().isBlank()) return "refusal without a message: " + r;
        if (rowsAdded != 0 || batchesAdded != 0) return "refused, yet " + rowsAdded + " rows / " + batchesAdded + " batches stored";
        if (p.validKey() != null && app.get("/v1/sources/crm-1/records/person/" + p.validKey()).status() != 404) {
            return "refused, yet its valid record was stored";
        }
        if (p.record() && r.status() == 400) {
            JsonNode errors = body.path("errors");
            boolean namesBad = false;
            for (JsonNode e : errors) {
                if (e.path("index").asInt() == 0) return "blames the valid record: " + r;
                namesBad |= e.path("index").asInt() == 1 && e.has("field") && !e.path("message").asText().isBlank();
            }
            if (!namesBad) return "no field error for record 1: " + r;
        }
        return null;
    }

    /** After the corpus: valid writes and reads work, and hostile strings round-trip as data. */
    private void stillServes(CohortApp app) {
        String hostile = "'; DROP TABLE source_record; --";
        var ok = app.post("/v1/sources/crm-1/records", "application/json", """
                {"records":[{"type":"person","id":"after","email":"after@x.com","firstName":"%s",
                 "attributes":{"bio":"<script>alert(1)</script>","q":"\\"\\\\ \\u0007"}}]}""".formatted(hostile.replace("'", "'")));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        JsonNode stored = app.get("/v1/sources/crm-1/records/person/after").json().get("record");
        assertThat(stored.get("firstName").asText()).isEqualTo(hostile);
        assertThat(stored.get("attributes").get("bio").asText()).isEqualTo("<script>alert(1)</script>");
        assertThat(stored.get("attributes").get("q").asText()).isEqualTo("\"\\ \u0007");
        assertThat(app.get("/v1/segments").status()).isEqualTo(200);
        assertThat(app.get("/v1/rules").status()).isEqualTo(200);
        assertThat(app.get("/v1/profiles?email=after@x.com").status()).isEqualTo(200);
        // A miss names the address asked for, not only an id derived from it that the client never sent.
        var miss = app.get("/v1/profiles?email=" + java.net.URLEncoder.encode("nobody\u0000@x.com", java.nio.charset.StandardCharsets.UTF_8));
        assertThat(miss.status()).isEqualTo(404);
        assertThat(miss.json().path("message").asText()).startsWith("no profile with email 'nobody\u0000@x.com'");
        assertThat(app.admin("/healthcheck").status()).as(app.admin("/healthcheck").body()).isEqualTo(200);
    }

    int retries;

    /**
     * Jetty closes the connection after refusing a request at the HTTP level (e.g. %00 in the
     * path); the JDK client may send the next request on that pooled connection before it notices.
     * Such a request was never read by the server, so it is sent once more (and counted).
     */
    private CohortApp.Response send(CohortApp app, BadInputCorpus.Payload p) {
        CohortApp.Response r = sendOnce(app, p);
        if (r.status() == 599 && r.body().contains("received no bytes")) {
            retries++;
            r = sendOnce(app, p);
        }
        return r;
    }

    private CohortApp.Response sendOnce(CohortApp app, BadInputCorpus.Payload p) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + app.port() + p.path()))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + CohortApp.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(p.body()));
            if (!p.contentType().isEmpty()) b.header("Content-Type", p.contentType());
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new CohortApp.Response(r.statusCode(), r.body());
        } catch (Exception e) {
            return new CohortApp.Response(599, "no answer: " + e);
        }
    }
}
