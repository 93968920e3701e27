package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.pull.fake.FakeSalesforce;
import io.cohort.it.CohortApp;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Salesforce connector against a fake org: backfill and incremental sync by SystemModstamp
 * with paging (two rows a page), deletes through queryAll, expired sessions, outages and the
 * daily request limit, and the JWT bearer flow.
 */
class SalesforcePullIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String P2 = "003Hs00000P2cTcIAJ";
    @TempDir Path tmp;
    FakeSalesforce sf;
    CohortApp app;

    @BeforeEach void fake() throws Exception {
        sf = new FakeSalesforce().pageSize(2).load(Path.of("samples/bodea/crm-1"), Instant.parse("2026-10-01T00:00:00Z")).start();
    }

    @AfterEach void stop() {
        if (app != null) app.stop();
        sf.stop();
    }

    private void start(String pull) throws Exception {
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, "sources:\n  crm-1: " + pull + "\n"));
        app.start();
    }

    private int status(String type, String key) {
        return app.get("/v1/sources/crm-1/records/" + type + "/" + key.replace("|", "%7C")).status();
    }

    private JsonNode record(String type, String key) {
        return app.get("/v1/sources/crm-1/records/" + type + "/" + key.replace("|", "%7C")).json().path("record");
    }

    private JsonNode sync() {
        var r = app.get("/v1/sources/crm-1/sync");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private boolean backfillsDone() {
        for (JsonNode st : sync().get("streams")) {
            if (st.get("kind").asText().equals("backfill") && !st.get("state").asText().equals("done")) return false;
        }
        return true;
    }

    @Test
    void backfillThenChangesAndDeletesArriveWithoutRewritingUnchangedRows() throws Exception {
        start(PullConfigs.salesforce(sf.url()));
        await("backfills done", WAIT, this::backfillsDone);
        assertThat(record("person", P2).path("email").asText()).isEqualTo("p2@townsend.com");
        assertThat(record("opportunity", "006Hs00000OPP1aIAB").path("amount").asDouble()).isEqualTo(200_000.0);
        assertThat(status("opportunityPerson", "006Hs00000OPP1aIAB|" + P2)).isEqualTo(200);
        assertThat(record("account", "001Hs00001TWNa1IAB").path("attributes").has("SystemModstamp"))
                .as("sync bookkeeping is not an attribute").isFalse();
        long stored = sync().get("recordsFetched").asLong();
        // Pushing to a pulled source stays possible.
        var pushed = app.post("/v1/sources/crm-1/records", "application/json",
                "{\"records\":[{\"type\":\"campaign\",\"id\":\"701PUSHED\",\"name\":\"Pushed by a script\"}]}");
        assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
        assertThat(status("campaign", "701PUSHED")).isEqualTo(200);

        sf.upsert("Contact", P2, Map.of("Title", "CTO"));
        sf.upsert("Account", "001Hs00009NEWaIAB", Map.of("Name", "Newco"));
        sf.delete("Opportunity", "006Hs00000ACo2aIAB");
        await("the change", WAIT, () -> record("person", P2).path("title").asText().equals("CTO"));
        await("the new account", WAIT, () -> status("account", "001Hs00009NEWaIAB") == 200);
        await("the delete", WAIT, () -> status("opportunity", "006Hs00000ACo2aIAB") == 404);
        Thread.sleep(1500); // more polls over the same overlap window
        JsonNode s = sync();
        // The three changed rows (a contact maps to a person and its account relation): nothing unchanged again.
        assertThat(s.get("recordsFetched").asLong() - stored).as("rows stored after the backfill").isBetween(3L, 6L);
        assertThat(s.get("quota").get("dailyQuota").asLong()).isEqualTo(15_000);
        assertThat(s.get("quota").get("usedToday").asLong()).isPositive();
        assertThat(s.get("lastSuccessfulSync").isNull()).isFalse();
    }

    /**
     * A number of 101 to 1,000 characters was kept on a pull (here an AnnualRevenue of 150
     * digits) where a push of the same row is a 400. The row is now set aside, as a Marketo item
     * is: counted, logged with its Id and field; the rest of the page is stored.
     */
    @Test
    void aPulledRowWithANumberTooLongIsSetAsideAsAPushOfItIsRefused() throws Exception {
        start(PullConfigs.salesforce(sf.url()));
        await("backfills done", WAIT, this::backfillsDone);
        String digits = "9".repeat(150);
        sf.upsert("Account", "001Hs00009LONGaIAB", Map.of("Name", "Longco", "AnnualRevenue", new java.math.BigInteger(digits)));
        sf.upsert("Account", "001Hs00009NEXTaIAB", Map.of("Name", "Nextco"));
        await("the page-mate", WAIT, () -> status("account", "001Hs00009NEXTaIAB") == 200);
        assertThat(status("account", "001Hs00009LONGaIAB")).isEqualTo(404);
        // Every later poll re-reads the overlap window before the watermark (2 s), the row in it: it is
        // still one set-aside, not one per poll.
        int queries = sf.queries();
        await("polls over the overlap window", WAIT, () -> sf.queries() > queries + 40);
        JsonNode s = sync();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(1);
        assertThat(s.toString()).contains("Id 001Hs00009LONGaIAB").contains("AnnualRevenue: a number of 150 characters");
        // Changed and still bad: set aside again.
        sf.upsert("Account", "001Hs00009LONGaIAB", Map.of("Name", "Longco 2"));
        await("the change set aside", WAIT, () -> sync().get("recordsRejected").asLong() == 2);

        var r = app.post("/v1/sources/crm-1/native/query", "application/json", "{\"totalSize\":1,\"done\":true,\"records\":"
                + "[{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001Hs00009LONGaIAB\",\"Name\":\"Longco\",\"AnnualRevenue\":" + digits + "}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().path("errors").get(0).path("field").asText()).isEqualTo("records[0].AnnualRevenue");
        assertThat(r.json().path("errors").get(0).path("message").asText()).contains("a number of 150 characters");
    }

    /**
     * A deal whose CreatedDate is more than a day ahead (a wrong clock or time zone) is refused on a
     * push, since rules read it as new until that date; pulled, it is set aside the same way as an
     * event dated ahead: counted, logged with its id and field; the rest of the page is stored.
     */
    @Test
    void aPulledDealCreatedMoreThanADayAheadIsSetAsideAsAPushOfItIsRefused() throws Exception {
        start(PullConfigs.salesforce(sf.url()));
        await("backfills done", WAIT, this::backfillsDone);
        sf.upsert("Opportunity", "006Hs00009AHEADIAB", Map.of("Name", "Ahead", "CreatedDate", "2200-01-01T00:00:00.000+0000"));
        sf.upsert("Opportunity", "006Hs00009NEXTaIAB", Map.of("Name", "Next", "CreatedDate", "2026-10-01T00:00:00.000+0000"));
        await("the page-mate", WAIT, () -> status("opportunity", "006Hs00009NEXTaIAB") == 200);
        assertThat(status("opportunity", "006Hs00009AHEADIAB")).isEqualTo(404);
        JsonNode s = sync();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isPositive();
        assertThat(s.toString()).contains("opportunity 006Hs00009AHEADIAB")
                .contains("createdDate: is 2200-01-01T00:00:00Z, more than 24 hours after now");
    }

    /**
     * Rows modified just before the first start are read by the backfill and again by the
     * incremental sync's overlap window (and once more when the finished backfill rewinds it):
     * each bad row was counted at every read. A set-aside counts once per row and SystemModstamp.
     */
    @Test
    void aRowSetAsideCountsOnceHoweverOftenItsOverlapIsReadAgain() throws Exception {
        Instant before = Instant.now().minusMillis(500);
        sf.put("Account", "001Hs00009LONGaIAB", Map.of("Name", "Longco", "AnnualRevenue", new java.math.BigInteger("9".repeat(150))), before);
        sf.put("Opportunity", "006Hs00009AHEADIAB", Map.of("Name", "Ahead", "CreatedDate", "2200-01-01T00:00:00.000+0000"), before);
        // An overlap that surely reaches back to them from the origin (the first start).
        start(PullConfigs.salesforce(sf.url()).replace("overlap: 2s", "overlap: 10m"));
        await("backfills done", WAIT, this::backfillsDone);
        int queries = sf.queries();
        await("polls over the overlap window", WAIT, () -> sf.queries() > queries + 40);
        JsonNode s = sync();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(2);
        assertThat(status("account", "001Hs00009LONGaIAB")).isEqualTo(404);
        assertThat(status("opportunity", "006Hs00009AHEADIAB")).isEqualTo(404);
    }

    @Test
    void expiredSessionsOutagesAndTheRequestLimitAreHandled() throws Exception {
        start(PullConfigs.salesforce(sf.url()));
        await("backfills done", WAIT, this::backfillsDone);
        int tokens = sf.tokensIssued();
        sf.expireSessions();
        sf.failNextQueries(3);
        sf.upsert("Contact", P2, Map.of("Title", "After the outage"));
        await("the change", WAIT, () -> record("person", P2).path("title").asText().equals("After the outage"));
        assertThat(sf.tokensIssued()).as("re-authenticated after INVALID_SESSION_ID").isGreaterThan(tokens);

        sf.stop(); // the org unreachable
        sf.upsert("Contact", P2, Map.of("Title", "During the outage"));
        await("the error reported", WAIT, () -> !sync().get("lastError").isNull());
        sf.start();
        await("the change made during the outage", WAIT, () -> record("person", P2).path("title").asText().equals("During the outage"));

        sf.dailyLimit(sf.apiCalls()); // every further call: 403 REQUEST_LIMIT_EXCEEDED
        await("the limit reported", WAIT, () -> sync().get("streams").findValues("state").stream()
                .anyMatch(v -> v.asText().equals("quota exhausted")));
        assertThat(sync().get("streams").findValues("lastError").stream().filter(e -> !e.isNull())
                .anyMatch(e -> e.get("message").asText().contains("REQUEST_LIMIT_EXCEEDED"))).as("the 403 reported").isTrue();
        assertThat(sync().get("quota").get("blockedUntil").isNull()).isFalse();
    }

    @Test
    void jwtBearerFlow() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair keys = gen.generateKeyPair();
        sf.jwt("integration@bodea.com", keys.getPublic());
        String pem = "-----BEGIN PRIVATE KEY-----" + Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "-----END PRIVATE KEY-----";
        start("""
                {type: salesforce, pull: {loginUrl: "%s", clientId: 3MVG9-cohort-connected-app, username: integration@bodea.com,
                   privateKey: "%s", pollInterval: 200ms, maxBackoff: 1s}}""".formatted(sf.url(), pem));
        await("backfills done", WAIT, this::backfillsDone);
        assertThat(record("person", P2).path("email").asText()).isEqualTo("p2@townsend.com");
    }
}
