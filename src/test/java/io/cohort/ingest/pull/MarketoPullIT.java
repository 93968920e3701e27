package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.ingest.pull.fake.FakeMarketoSource;
import io.cohort.it.CohortApp;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Marketo connector against a fake instance that pages, expires tokens and answers errors as
 * Marketo documents: the backfill (bulk lead export, activity history), then changes, new
 * activities and deleted leads, through the real app and store.
 */
class MarketoPullIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir Path tmp;
    FakeMarketo marketo;
    FakeMarketoSource source;
    CohortApp app;

    @BeforeEach void fake() throws Exception {
        marketo = new FakeMarketo().start();
        source = new FakeMarketoSource(marketo).load(Path.of("samples/bodea/marketo-1")).staticList(77, "Fleet webinar");
    }

    @AfterEach void stop() {
        if (app != null) app.stop();
        marketo.stop();
    }

    private CohortApp start() throws Exception {
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, """
                sources:
                  crm-1: {type: salesforce}
                  marketo-1: %s
                """.formatted(PullConfigs.marketo(marketo.url(), "crm-1"))));
        return app.start();
    }

    private int status(String type, String key) {
        return app.get("/v1/sources/marketo-1/records/" + type + "/" + key.replace("|", "%7C")).status();
    }

    private JsonNode record(String type, String key) {
        return app.get("/v1/sources/marketo-1/records/" + type + "/" + key.replace("|", "%7C")).json().path("record");
    }

    private JsonNode sync() { return PullConfigs.sync(app, "marketo-1"); }

    private boolean backfillsDone() { return PullConfigs.backfillsDone(app, "marketo-1"); }

    @Test
    void backfillsThenFollowsChangesActivitiesAndDeletes() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        // Leads from the bulk export, with their company, roles and opportunities; activities from the history.
        assertThat(record("person", "1002").path("email").asText()).isEqualTo("p2@townsend.com");
        assertThat(record("person", "1004").path("emailOptOut").asBoolean()).isTrue();
        assertThat(record("accountPerson", "ext:001Hs00001TWNa1IAB|1002").path("role").asText()).isEqualTo("Technical Buyer");
        assertThat(record("account", "ext:001Hs00001TWNa1IAB").path("name").asText()).isEqualTo("Townsend");
        assertThat(record("opportunity", "ext:006Hs00000OPP1aIAB").path("amount").asDouble()).isEqualTo(200_000.0);
        assertThat(status("opportunityPerson", "ext:006Hs00000OPP1aIAB|1002")).isEqualTo(200);
        assertThat(record("event", "500101").path("personId").asText()).isEqualTo("1002");
        assertThat(source.exportsCreated()).as("one export per 31-day window since 2024-03-01").isBetween(30, 36);

        // Changes after the start: a field change, a new lead, a visit, a deleted lead.
        source.updateLead(1002, "title", "Chief Technology Officer");
        ObjectNode lead = JSON.createObjectNode().put("id", 1006).put("email", "new@townsend.com")
                .put("externalCompanyId", "001Hs00001TWNa1IAB").put("unsubscribed", false);
        source.addLead(lead);
        source.addActivity(JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1)
                .put("primaryAttributeValue", "www.bodea.com/products/new").put("marketoGUID", "A-NEW-1"));
        source.deleteLead(1005);
        await("the change", WAIT, () -> record("person", "1002").path("title").asText().equals("Chief Technology Officer"));
        await("the new lead", WAIT, () -> status("person", "1006") == 200);
        await("the visit", WAIT, () -> status("event", "A-NEW-1") == 200);
        await("the delete", WAIT, () -> status("person", "1005") == 404);
        assertThat(status("accountPerson", "ext:001Hs00001TWNa1IAB|1006")).as(app.get("/v1/sources/marketo-1/records/person/1006").body()).isEqualTo(200);

        JsonNode s = sync();
        assertThat(s.get("type").asText()).isEqualTo("marketo");
        assertThat(s.get("recordsFetched").asLong()).isGreaterThan(30);
        assertThat(s.get("apiCalls").asLong()).isGreaterThan(50);
        assertThat(s.get("quota").get("dailyQuota").asLong()).isEqualTo(50_000);
        assertThat(s.get("quota").get("left").asLong()).isLessThan(50_000);
        assertThat(s.get("lastSuccessfulSync").isNull()).isFalse();
        assertThat(s.get("lagSeconds").asLong()).isLessThan(60);

        // Operators: a re-backfill runs beside the sync; an unpulled source has no sync status.
        int exports = source.exportsCreated();
        var task = app.task("source-sync?source=marketo-1&backfill=true&from=2026-01-01");
        assertThat(task.status()).isEqualTo(200);
        assertThat(task.body()).contains("backfill started over");
        await("the new backfill's exports", WAIT, () -> source.exportsCreated() > exports);
        await("backfills done again", WAIT, this::backfillsDone);
        assertThat(app.task("source-sync?source=marketo-1").body()).contains("sync started");
        assertThat(app.task("source-sync?source=crm-1").body()).contains("not a pulled source");
        var none = app.get("/v1/sources/crm-1/sync");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.json().get("message").asText()).contains("no pull: block");
    }

    /**
     * Activity attributes whose names differ only in case ("Client IP", "client ip") had one
     * camelCase name, and one value was dropped; "Campaign ID" replaced the activity's campaignId.
     * Pulled or pushed, each now keeps its Marketo name, and a number keeps its exact value.
     */
    @Test
    void activityAttributesWhoseNamesShareACamelCaseAreAllKept() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        ObjectNode a = JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1).put("campaignId", 42)
                .put("primaryAttributeValue", "www.bodea.com/products/new").put("marketoGUID", "A-CASE-1");
        var attrs = a.putArray("attributes");
        attrs.addObject().put("name", "Client IP").put("value", "203.0.113.7");
        attrs.addObject().put("name", "client ip").put("value", "203.0.113.8");
        attrs.addObject().put("name", "Campaign ID").put("value", "c-9");
        attrs.addObject().put("name", "User Agent").put("value", "Mozilla/5.0");
        attrs.addObject().put("name", "Score").put("value", new java.math.BigDecimal("1e400"));
        source.addActivity(a);
        await("the pulled activity", WAIT, () -> status("event", "A-CASE-1") == 200);
        assertAllKept(record("event", "A-CASE-1").path("attributes"));

        ObjectNode pushed = a.deepCopy().put("marketoGUID", "A-CASE-2");
        var r = app.post("/v1/sources/marketo-1/native/activities", "application/json",
                JSON.writeValueAsString(JSON.createObjectNode().put("success", true).set("result", JSON.createArrayNode().add(pushed))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertAllKept(record("event", "A-CASE-2").path("attributes"));

        // One name twice with two values is no Marketo activity: which is right cannot be told.
        ObjectNode twice = a.deepCopy().put("marketoGUID", "A-CASE-3");
        ((com.fasterxml.jackson.databind.node.ArrayNode) twice.get("attributes")).addObject().put("name", "client ip").put("value", "203.0.113.9");
        r = app.post("/v1/sources/marketo-1/native/activities", "application/json", JSON.writeValueAsString(JSON.createObjectNode()
                .put("success", true).set("result", JSON.createArrayNode().add(pushed.deepCopy().put("marketoGUID", "A-CASE-4")).add(twice))));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        JsonNode e = r.json().path("errors").get(0);
        assertThat(e.path("index").asInt()).as(r.toString()).isEqualTo(1);
        assertThat(e.path("field").asText()).isEqualTo("result[1].attributes[5].name");
        assertThat(e.path("message").asText()).contains("'client ip'");
        assertThat(status("event", "A-CASE-4")).as("nothing of the refused batch").isEqualTo(404);
        assertThat(status("event", "A-CASE-3")).isEqualTo(404);
    }

    /**
     * The same refusal on a pull has nobody to answer a 400: it was fatal, so the stream retried
     * the page forever and stored nothing after that activity — neither its page-mates nor any
     * later page. Now the activity is set aside (log, sync status, .rejected metric) and the
     * stream goes on.
     */
    @Test
    void aPulledActivityWithOneAttributeNameTwiceIsSetAsideAndTheStreamGoesOn() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        ObjectNode twice = oneAttributeNameTwice("A-TWICE-1");
        ObjectNode before = JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1)
                .put("primaryAttributeValue", "www.bodea.com/a").put("marketoGUID", "A-BEFORE-1");
        ObjectNode after = before.deepCopy().put("marketoGUID", "A-AFTER-1");
        String at = java.time.Instant.now().toString();
        before.put("activityDate", at);
        twice.put("activityDate", at);
        after.put("activityDate", at);
        source.addActivities(java.util.List.of(before, twice, after)); // one page
        await("the bad activity's page-mates", WAIT, () -> status("event", "A-BEFORE-1") == 200 && status("event", "A-AFTER-1") == 200);
        source.addActivity(before.deepCopy().put("marketoGUID", "A-LATER-1").put("activityDate", java.time.Instant.now().toString()));
        await("a later page", WAIT, () -> status("event", "A-LATER-1") == 200);
        assertThat(status("event", "A-TWICE-1")).isEqualTo(404);

        JsonNode s = sync();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(1);
        JsonNode stream = null;
        for (JsonNode st : s.get("streams")) if (st.get("stream").asText().equals("activities")) stream = st;
        assertThat(stream).as(s.toString()).isNotNull();
        assertThat(stream.get("recordsRejected").asLong()).isEqualTo(1);
        assertThat(stream.get("lastRejection").asText()).as(s.toString())
                .contains("A-TWICE-1").contains("attributes[1].name").contains("'Client IP'");
        assertThat(stream.get("lastError").isNull()).as(s.toString()).isTrue();
        var metrics = app.admin("/metrics");
        assertThat(JSON.readTree(metrics.body()).at("/gauges/cohort.sources.marketo-1.rejected/value").asLong()).isEqualTo(1);
    }

    /**
     * A number past the reader's 1,000 characters made the whole page "unreadable": a transient
     * error retried for ever, the stream stopped at that page. Then such numbers, and those of
     * 101 to 1,000 characters, were kept as attribute text, where a push of the same activity is
     * a 400. Now the activity is set aside like any the push refuses; its page-mates are stored.
     */
    @Test
    void aPulledNumberTooLongIsSetAsideAsAPushOfItIsRefused() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        String at = java.time.Instant.now().toString();
        ObjectNode longOne = JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1).put("activityDate", at)
                .put("primaryAttributeValue", "www.bodea.com/a").put("marketoGUID", "A-LONG-1")
                .put("campaignId", new java.math.BigInteger("7".repeat(1500)));
        ObjectNode longer = JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1).put("activityDate", at)
                .put("primaryAttributeValue", "www.bodea.com/a").put("marketoGUID", "A-LONG-2");
        longer.putArray("attributes").addObject().put("name", "Score").put("value", new java.math.BigDecimal("8".repeat(149) + ".5"));
        ObjectNode mate = JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1).put("activityDate", at)
                .put("primaryAttributeValue", "www.bodea.com/a").put("marketoGUID", "A-MATE-1");
        source.addActivities(java.util.List.of(longOne, longer, mate));
        await("the page", WAIT, () -> status("event", "A-MATE-1") == 200);
        assertThat(status("event", "A-LONG-1")).isEqualTo(404);
        assertThat(status("event", "A-LONG-2")).as("150 characters: kept as text before").isEqualTo(404);
        JsonNode s = sync();
        JsonNode stream = null;
        for (JsonNode st : s.get("streams")) {
            assertThat(st.get("lastError").isNull()).as(st.toString()).isTrue();
            if (st.get("stream").asText().equals("activities")) stream = st;
        }
        assertThat(stream.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(2);
        assertThat(stream.get("lastRejection").asText()).as(s.toString()).contains("marketoGUID A-LONG-1")
                .contains("campaignId: a number of 1500 characters");

        // Pushed, the same activity is refused, the same words naming the same field.
        var r = app.post("/v1/sources/marketo-1/native/activities", "application/json", JSON.writeValueAsString(
                JSON.createObjectNode().put("success", true).set("result", JSON.createArrayNode().add(mate).add(longer))));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        JsonNode e = r.json().path("errors").get(0);
        assertThat(e.path("index").asInt()).as(r.toString()).isEqualTo(1);
        assertThat(e.path("field").asText()).isEqualTo("result[1].attributes[0].value");
        assertThat(e.path("message").asText()).contains("a number of 150 characters");
    }

    /**
     * A page whose items were mapped (one set aside) and whose next call failed (companies.json
     * answering 503 through every in-process retry) is fetched and mapped again: its set-aside
     * lead was counted, and logged, at each mapping. It is counted when the page is stored.
     */
    @Test
    void aPageFetchedAgainAfterAFailureCountsItsSetAsideOnce() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        String companies = "/rest/v1/companies.json";
        source.failCalls(companies, 4); // pull.retryAttempts (4) in-process tries, then the step fails
        source.updateLead(1001, "leadScore", new java.math.BigInteger("9".repeat(150)));
        source.updateLead(1002, "title", "After the outage");
        await("the page after the outage", WAIT, () -> record("person", "1002").path("title").asText().equals("After the outage"));
        assertThat(source.failuresLeft(companies)).as("the outage happened").isZero();
        assertThat(status("person", "1001")).isEqualTo(200); // from the backfill: the set-aside change is not stored
        assertThat(record("person", "1001").toString()).doesNotContain("999999");
        JsonNode s = sync();
        JsonNode stream = null;
        for (JsonNode st : s.get("streams")) if (st.get("stream").asText().equals("leads")) stream = st;
        assertThat(stream.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(1);
        assertThat(stream.get("lastRejection").asText()).contains("id 1001").contains("leadScore: a number of 150 characters");
        assertThat(s.get("recordsRejected").asLong()).isEqualTo(1);
        var metrics = app.admin("/metrics");
        assertThat(JSON.readTree(metrics.body()).at("/gauges/cohort.sources.marketo-1.rejected/value").asLong()).isEqualTo(1);
    }

    /**
     * Marketo reads items again. A lead changed while the lead backfill runs is read by the lead
     * changes, by the backfill's export, and once more when the finished backfill rewinds the lead
     * changes; an opportunity is read with every page of changes of a lead that has a role on it.
     * Each bad one was counted at every read (here 3 and 3); it counts once per version (a lead's
     * id and updatedAt, an opportunity's id and what was read), and again once it changes.
     */
    @Test
    void aSetAsideLeadOrOpportunityCountsOnceHoweverOftenItIsReadAgain() throws Exception {
        // A deal "created in 2200" (refused: more than a day ahead), on which lead 1001 has a role.
        source.existingOpportunity(JSON.createObjectNode().put("marketoGUID", "G-AHEAD").put("externalOpportunityId", "006Hs00000AHEADIAB")
                .put("externalCompanyId", "001Hs00001TWNa1IAB").put("name", "Ahead").put("createdAt", "2200-01-01T00:00:00Z"));
        source.existingRole(JSON.createObjectNode().put("marketoGUID", "R-AHEAD").put("externalOpportunityId", "006Hs00000AHEADIAB")
                .put("leadId", 1001).put("role", "Champion").put("isPrimary", false));
        source.holdExports(true); // the lead backfill's files are written once lead 1003's change has been read
        start();
        await("the lead changes following", WAIT, () -> !stream("leads").path("lastSuccess").isNull());
        source.updateLead(1003, "email", "not-an-email");
        await("the bad change set aside", WAIT, () -> stream("leads").get("recordsRejected").asLong() == 1);
        source.holdExports(false);
        await("backfills done", WAIT, this::backfillsDone);
        // Two pages of lead 1001's changes, each reading its opportunities; the first comes after the
        // rewound lead changes read lead 1003 again.
        source.updateLead(1001, "title", "Once");
        await("the first change", WAIT, () -> record("person", "1001").path("title").asText().equals("Once"));
        source.updateLead(1001, "title", "Twice");
        await("the second change", WAIT, () -> record("person", "1001").path("title").asText().equals("Twice"));

        JsonNode s = sync();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(2);
        assertThat(s.toString()).contains("person 1003").contains("email: not an email address")
                .contains("opportunity ext:006Hs00000AHEADIAB").contains("createdDate: is 2200-01-01T00:00:00Z");
        assertThat(status("person", "1003")).isEqualTo(404);
        assertThat(status("opportunity", "ext:006Hs00000AHEADIAB")).isEqualTo(404);
        // Changed and still bad: a new version, set aside again.
        source.updateLead(1003, "title", "Still no email");
        await("the new version set aside", WAIT, () -> sync().get("recordsRejected").asLong() == 3);
    }

    /**
     * A re-backfill reads the activity history again, up to when it was asked for: an activity
     * the incremental stream set aside was counted again. An activity never changes; its id is
     * its version, and it counts once.
     */
    @Test
    void aSetAsideActivityCountsOnceWhenAReBackfillReadsItAgain() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        source.addActivity(oneAttributeNameTwice("A-TWICE-2"));
        await("the activity set aside", WAIT, () -> stream("activities").get("recordsRejected").asLong() == 1);
        String to = stream("activities.backfill").path("backfill").path("to").asText();
        assertThat(app.task("source-sync?source=marketo-1&backfill=true&from=2026-01-01").status()).isEqualTo(200);
        await("the activity history read again", WAIT, () -> {
            JsonNode b = stream("activities.backfill");
            return b.get("state").asText().equals("done") && b.path("backfill").path("done").asBoolean()
                    && !b.path("backfill").path("to").asText().equals(to);
        });
        JsonNode s = sync();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(1);
        assertThat(stream("activities.backfill").get("recordsRejected").asLong()).as(s.toString()).isZero();
    }

    /** A Visit Webpage activity of lead 1001 with "Client IP" twice, two values: set aside when pulled. */
    private static ObjectNode oneAttributeNameTwice(String guid) {
        ObjectNode a = JSON.createObjectNode().put("leadId", 1001).put("activityTypeId", 1)
                .put("primaryAttributeValue", "www.bodea.com/products/new").put("marketoGUID", guid);
        a.putArray("attributes").add(JSON.createObjectNode().put("name", "Client IP").put("value", "203.0.113.7"))
                .add(JSON.createObjectNode().put("name", "Client IP").put("value", "203.0.113.9"));
        return a;
    }

    private JsonNode stream(String name) { return PullConfigs.stream(app, "marketo-1", name); }

    private static void assertAllKept(JsonNode attributes) {
        assertThat(attributes.path("Client IP").asText()).as(attributes.toString()).isEqualTo("203.0.113.7");
        assertThat(attributes.path("client ip").asText()).as(attributes.toString()).isEqualTo("203.0.113.8");
        assertThat(attributes.has("clientIp")).as(attributes.toString()).isFalse();
        assertThat(attributes.path("Campaign ID").asText()).isEqualTo("c-9");
        assertThat(attributes.path("campaignId").asText()).isEqualTo("42");
        assertThat(attributes.path("userAgent").asText()).isEqualTo("Mozilla/5.0");
        assertThat(attributes.path("score").asText()).isEqualTo("1E+400");
    }

    @Test
    void staysUnderTheInstancesRateLimit() throws Exception {
        marketo.rateLimit(40, Duration.ofSeconds(1)); // the instance answers 606 above 40 calls a second
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, "sources:\n  marketo-1: "
                + PullConfigs.marketo(marketo.url(), null).replace("maxCallsPerWindow: 200", "maxCallsPerWindow: 40") + "\n"));
        app.start();
        await("backfills done", WAIT, this::backfillsDone);
        assertThat(source.callsToday()).as("calls made").isGreaterThan(150);
        assertThat(marketo.errorsSent(606)).as("606 answers").isZero();
    }

    @Test
    void expiredTokensRateLimitsAndTemporaryErrorsAreRetried() throws Exception {
        start();
        await("backfills done", WAIT, this::backfillsDone);
        int tokens = marketo.tokensIssued();
        marketo.expireTokens();
        marketo.failNext(606, "Max rate limit '100' exceeded with in '20' secs")
                .failNext(615, "Concurrent access limit reached").failNext(604, "Request timed out");
        source.updateLead(1001, "title", "Fleet Director");
        await("the change after the errors", WAIT, () -> record("person", "1001").path("title").asText().equals("Fleet Director"));
        assertThat(marketo.tokensIssued()).as("a new token after 602").isGreaterThan(tokens);
        assertThat(marketo.errorsSent(602)).isGreaterThan(0);
        assertThat(marketo.errorsSent(606)).isEqualTo(1);
    }

    @Test
    void aSpentDailyQuotaStopsPullingUntilTheResetAndIsReported() throws Exception {
        source.dailyQuota(5); // 607 from the sixth source call on
        start();
        await("quota reported", WAIT, () -> sync().get("streams").findValues("state").stream()
                .anyMatch(v -> v.asText().equals("quota exhausted")));
        JsonNode s = sync();
        assertThat(s.get("quota").get("blockedUntil").isNull()).isFalse();
        assertThat(s.get("lastError").get("message").asText()).containsAnyOf("607", "quota");
        assertThat(s.get("streams").findValues("lastError").stream().filter(e -> !e.isNull())
                .anyMatch(e -> e.get("message").asText().contains("607"))).as("Marketo's 607 reported").isTrue();
        int calls = source.callsToday();
        Thread.sleep(1500);
        assertThat(source.callsToday()).as("no calls while the quota is spent").isEqualTo(calls);
    }
}
