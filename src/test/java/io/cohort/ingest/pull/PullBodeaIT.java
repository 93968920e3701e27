package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.destination.fake.FakeLinkedIn;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.ingest.pull.fake.FakeMarketoSource;
import io.cohort.ingest.pull.fake.FakeSalesforce;
import io.cohort.it.CohortApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's story with no push at all: Cohort pulls Marketo 1 and 2, CRM 1 and 2 from their
 * (fake) APIs and the MDM's export from a drop folder, finds exactly p2@townsend.com and
 * activates her in the Marketo list and the LinkedIn segment. Then each vendor goes down while
 * its data changes, and after it comes back nothing is lost.
 */
class PullBodeaIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(90);
    static final long LIST = 4242;
    static final String SEGMENT = "high-value-new-product";
    @TempDir Path tmp;
    FakeMarketo m1;
    FakeMarketo m2;
    FakeMarketoSource src1;
    FakeMarketoSource src2;
    FakeSalesforce crm1;
    FakeSalesforce crm2;
    FakeLinkedIn linkedin;
    Path drop;
    CohortApp app;

    @BeforeEach void vendors() throws Exception {
        Instant modified = Instant.parse("2026-10-01T00:00:00Z");
        m1 = new FakeMarketo().start();
        src1 = new FakeMarketoSource(m1).load(Path.of("samples/bodea/marketo-1"));
        m1.list(LIST);
        m2 = new FakeMarketo().start();
        src2 = new FakeMarketoSource(m2).load(Path.of("samples/bodea/marketo-2"));
        crm1 = new FakeSalesforce().pageSize(2).load(Path.of("samples/bodea/crm-1"), modified).start();
        crm2 = new FakeSalesforce().pageSize(2).load(Path.of("samples/bodea/crm-2"), modified).start();
        linkedin = new FakeLinkedIn().readyDelay(Duration.ZERO).start();
        drop = Files.createDirectories(tmp.resolve("drop/mdm"));
        Files.copy(Path.of("samples/bodea/mdm/crossReferences.json"), drop.resolve("crossReferences-2026-11-27.json"));
        Files.setLastModifiedTime(drop.resolve("crossReferences-2026-11-27.json"),
                java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(60)));
    }

    @AfterEach void stop() {
        if (app != null) app.stop();
        for (AutoCloseable c : new AutoCloseable[] {m1, m2, crm1, crm2, linkedin}) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private void start() throws Exception {
        String sources = """
                sources:
                  crm-1: %s
                  crm-2: %s
                  marketo-1: %s
                  marketo-2: %s
                  mdm: {type: mdm, pull: {directory: "%s", pollInterval: 200ms, settleTime: 0s}}
                """.formatted(PullConfigs.salesforce(crm1.url()), PullConfigs.salesforce(crm2.url()),
                PullConfigs.marketo(m1.url(), "crm-1"), PullConfigs.marketo(m2.url(), "crm-2"), drop)
                // One in-process retry: a vendor that is down reaches the runner's back-off (what this test is about) in ~0.5 s, not ~3 s.
                .replace("requestTimeout: 5s", "requestTimeout: 5s, retryAttempts: 2");
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, sources) + """
                destinations:
                  # The same fast limits as the source: the budget they share is made by whichever starts first.
                  mkto: {type: marketo, baseUrl: "%s", clientId: %s, clientSecret: %s, source: marketo-1,
                         maxCallsPerWindow: 200, rateWindow: 1s}
                  li: {type: linkedin, baseUrl: "%s", accessToken: %s, linkedinVersion: "202411", sourcePlatform: COHORT, segmentReadyDelay: 0s}
                activations:
                  - {id: hv-marketo, segment: high-value-new-product, destination: mkto, params: {listId: "%d"}}
                  - {id: hv-linkedin, segment: high-value-new-product, destination: li,
                     params: {adAccount: "urn:li:sponsoredAccount:123456", segmentName: "Bodea high value"}}
                dispatcher: {pollInterval: 200ms, backoffBase: 100ms, backoffMax: 1s}
                """.formatted(m1.url(), FakeMarketo.CLIENT_ID, FakeMarketo.CLIENT_SECRET, linkedin.baseUrl(),
                FakeLinkedIn.TOKEN, LIST));
        app.start();
    }

    private List<String> members() {
        var r = app.get("/v1/segments/" + SEGMENT + "/members");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().get("members").forEach(m -> out.add(m.get("email").asText()));
        return out;
    }

    private boolean allBackfilled() {
        for (String s : List.of("crm-1", "crm-2", "marketo-1", "marketo-2")) {
            for (JsonNode st : app.get("/v1/sources/" + s + "/sync").json().get("streams")) {
                if (st.get("kind").asText().equals("backfill") && !st.get("state").asText().equals("done")) return false;
            }
        }
        return true;
    }

    private JsonNode sync(String source) {
        return app.get("/v1/sources/" + source + "/sync").json();
    }

    /** Instead of a fixed sleep while a vendor is down: until Cohort has called it and failed. */
    private void awaitFailing(String source) throws InterruptedException {
        await(source + " failing while down", WAIT, () -> {
            JsonNode error = sync(source).path("lastError");
            return !error.isNull() && !error.isMissingNode();
        });
    }

    private boolean linkedInHas(String email) {
        var s = linkedin.segment("urn:li:sponsoredAccount:123456", "Bodea high value");
        return s != null && s.users().contains(sha256(email));
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void settleAfterSync() throws Exception {
        await("every backfill", WAIT, this::allBackfilled);
        await("the MDM file processed", WAIT, () -> Files.exists(drop.resolve("done/crossReferences-2026-11-27.json")));
        app.settle();
    }

    @Test
    void fiveConfiguredSourcesNoPushP2ReachesTheMarketoListAndLinkedIn() throws Exception {
        start();
        settleAfterSync();
        await("p2 in the segment", WAIT, () -> members().equals(List.of("p2@townsend.com")));
        JsonNode p2 = app.get("/v1/profiles?email=p2@townsend.com").json();
        assertThat(p2.get("opportunityTotals").get("wonAmount").asDouble()).isEqualTo(1_100_000.0);
        assertThat(p2.get("sources")).hasSize(4);
        await("p2 in the Marketo list", WAIT, () -> m1.members(LIST).contains(1002L));
        assertThat(m1.members(LIST)).containsExactly(1002L);
        await("p2 in the LinkedIn segment", WAIT, () -> linkedInHas("p2@townsend.com"));
        assertThat(linkedin.segment("urn:li:sponsoredAccount:123456", "Bodea high value").users())
                .containsExactly(sha256("p2@townsend.com"));
        var health = app.admin("/healthcheck");
        assertThat(health.body()).contains("source-crm-1", "source-marketo-1", "source-mdm");

        // Source marketo-1 and destination mkto call one instance: one budget counts both sides' calls.
        long sourceCalls = m1.requests().stream().filter(r -> r.path().startsWith("/rest/") || r.path().startsWith("/bulk/"))
                .filter(r -> !r.path().startsWith("/rest/v1/lists/" + LIST + "/leads.json") || r.method().equals("GET")).count();
        long destinationCalls = m1.requests().stream()
                .filter(r -> r.path().equals("/rest/v1/lists/" + LIST + "/leads.json") && !r.method().equals("GET")).count();
        JsonNode gauges = new com.fasterxml.jackson.databind.ObjectMapper().readTree(app.admin("/metrics").body()).path("gauges");
        String budget = "cohort.limits.marketo_127_0_0_1_" + m1.port() + ".callsToday";
        assertThat(sourceCalls).isPositive();
        assertThat(destinationCalls).isPositive();
        assertThat(gauges.path(budget).path("value").asLong()).as(budget).isGreaterThanOrEqualTo(sourceCalls + destinationCalls);
        assertThat(gauges.has("cohort.limits.marketo_127_0_0_1_" + m2.port() + ".callsToday")).as("marketo-2 has its own").isTrue();
    }

    @Test
    void eachVendorDownWhileItsDataChangesLosesNothing() throws Exception {
        start();
        // Marketo 1 goes down in the middle of the first sync and comes back.
        await("marketo-1 sync under way", WAIT, () -> sync("marketo-1").get("recordsFetched").asLong() > 0);
        m1.stop();
        awaitFailing("marketo-1");
        m1.start();
        settleAfterSync();
        await("p2 in the segment", WAIT, () -> members().equals(List.of("p2@townsend.com")));

        // Marketo 2 down while p3 views the new product page there (Marketo records it; Cohort cannot ask).
        m2.stop();
        src2.addActivity(JSON.createObjectNode().put("leadId", 2002).put("activityTypeId", 1)
                .put("primaryAttributeValue", "www.bodea.com/products/new").put("marketoGUID", "M2-VISIT-1"));
        awaitFailing("marketo-2");
        m2.start();
        app.task("clock?set=" + Instant.now().plusSeconds(60));
        await("p3 enters after Marketo 2 is back", WAIT, () -> members().contains("p3@townsend.com"));

        // CRM 2 down while the $900k deal shrinks to $700k: Townsend falls to $900k, nobody qualifies.
        crm2.stop();
        crm2.upsert("Opportunity", "006Kx00000OPP2bIAD", Map.of("Amount", 700_000.0));
        awaitFailing("crm-2");
        crm2.start();
        await("the amount after CRM 2 is back", WAIT, () -> members().isEmpty());

        // CRM 1 down while a new won deal of $500k is booked for Townsend: everyone with a visit is back.
        crm1.stop();
        crm1.upsert("Opportunity", "006Hs00000NEW1aIAB", Map.of("AccountId", "001Hs00001TWNa1IAB", "Name", "Townsend - Upsell",
                "Amount", 500_000.0, "StageName", "Closed Won", "IsWon", true, "IsClosed", true, "CloseDate", "2026-11-30"));
        awaitFailing("crm-1");
        crm1.start();
        await("the new deal after CRM 1 is back", WAIT, () -> members().containsAll(List.of("p2@townsend.com", "p3@townsend.com")));

        // The MDM drop: a broken export is refused with a reason, the next one is applied.
        Files.writeString(drop.resolve("crossReferences-2026-11-28.json"), "{\"entities\": [ {\"mdmId\": ");
        Files.setLastModifiedTime(drop.resolve("crossReferences-2026-11-28.json"),
                java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(10)));
        await("the broken file refused", WAIT, () -> Files.exists(drop.resolve("failed/crossReferences-2026-11-28.json.reason.txt")));
        assertThat(Files.readString(drop.resolve("failed/crossReferences-2026-11-28.json.reason.txt"))).contains("not JSON");
        assertThat(app.get("/v1/sources/mdm/sync").json().get("recordsRejected").asLong()).isEqualTo(1);
        // Unlinking Townsend's accounts: two companies of $700k each; the total is per company, so nobody.
        Files.writeString(drop.resolve("crossReferences-2026-11-29.json"),
                "{\"entities\": [{\"mdmId\": \"MDM-TOWNSEND\", \"name\": \"Townsend\", \"members\": [{\"system\": \"crm-1\", \"recordId\": \"001Hs00001TWNa1IAB\"}]}]}");
        Files.setLastModifiedTime(drop.resolve("crossReferences-2026-11-29.json"),
                java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(10)));
        await("the unlink applied", WAIT, () -> members().isEmpty());
    }
}
