package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preview and explain through HTTP on the running app. The data is Bodea without the MDM link,
 * Account 1 won another $900,000 (so it reaches $1.1M alone), and p3 viewed the page too: p2 is
 * related to both Townsend accounts, p3 only to Account 2 ($900k), so the seed segment holds p2
 * alone and a lower threshold would add p3.
 */
class AnalystIT {
    static final String SEED = "high-value-new-product";
    /** The seed rule as a new segment with a threshold of $100,000. */
    static final String LOWER = lowerThreshold();
    @TempDir static Path tmp;
    static CohortApp app;

    static String lowerThreshold() {
        try {
            return Files.readString(Path.of("rules/high-value-new-product.drl"))
                    .replace("$total > 1000000", "$total > 100000")
                    .replace("rule \"High-value account, viewed the new product\"", "rule \"Mid-value account, viewed the new product\"")
                    .replace("\"high-value-new-product\"", "\"mid-value-new-product\"");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp).start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2");
        assertThat(app.post("/v1/sources/crm-1/records", "application/json", """
                {"records":[{"type":"opportunity","id":"006-O1B","accountId":"001-T1","name":"Opportunity 1b",
                 "amount":900000,"stage":"Closed Won","isWon":true,"isClosed":true}]}""").status()).isEqualTo(200);
        var r = app.post("/v1/sources/marketo-2/records", "application/json", """
                {"records":[{"type":"event","id":"A-2-1","personId":"2002","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"2026-11-24T09:00:00Z","url":"https://www.bodea.com/products/new"}]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static String previewBody(String drl, Integer sample) throws Exception {
        var body = new ObjectMapper().createObjectNode().put("file", "draft.drl").put("drl", drl);
        if (sample != null) body.put("sample", sample);
        return body.toString();
    }

    static List<String> emails(JsonNode sample) {
        List<String> out = new ArrayList<>();
        sample.forEach(m -> out.add(m.get("email").asText()));
        return out;
    }

    @Test
    void previewOfALowerThresholdYieldsP2AndP3WithoutApplyingAnything() throws Exception {
        var r = app.post("/v1/rules/preview", "application/json", previewBody(LOWER, 10));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode segments = r.json().get("segments");
        assertThat(segments).hasSize(1);
        assertThat(segments.get(0).get("id").asText()).isEqualTo("mid-value-new-product");
        assertThat(segments.get(0).get("count").asInt()).isEqualTo(2);
        assertThat(emails(segments.get(0).get("sample"))).containsExactlyInAnyOrder("p2@townsend.com", "p3@townsend.com");
        assertThat(segments.get(0).get("sample").get(0).get("profileId").asText()).startsWith("p-");

        // Nothing applied: no new segment, the seed's members unchanged, the draft file not written.
        assertThat(app.get("/v1/rules").json().get("segments").toString()).doesNotContain("mid-value");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
        assertThat(app.rules.resolve("draft.drl")).doesNotExist();

        var one = app.post("/v1/rules/preview", "application/json", previewBody(LOWER, 1)).json().get("segments").get(0);
        assertThat(one.get("count").asInt()).isEqualTo(2);
        assertThat(one.get("sample")).hasSize(1);
    }

    /**
     * An eval(...) that throws names its rule and file in preview's runtimeIssues: Drools names no
     * rule in an eval's exception, and the issue said rule "?" in file "(unknown)".
     */
    @Test
    void previewOfADraftWhoseEvalThrowsNamesTheRuleAndFileInRuntimeIssues() throws Exception {
        String drl = """
                package cohort.segments;
                import io.cohort.model.*;
                rule "Divides by zero"
                    @segment("fz-eval")
                when
                    $p : Person()
                    eval(1 / 0 == 1)
                then
                    insertLogical(new Qualified("fz-eval", $p.id()));
                end
                """;
        var body = new ObjectMapper().createObjectNode().put("file", "fz-eval.drl").put("drl", drl);
        var r = app.post("/v1/rules/preview", "application/json", body.toString());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode issues = r.json().get("runtimeIssues");
        assertThat(issues).as(r.toString()).isNotEmpty();
        assertThat(issues).allSatisfy(i -> {
            assertThat(i.get("rule").asText()).isEqualTo("Divides by zero");
            assertThat(i.get("file").asText()).isEqualTo("fz-eval.drl");
            assertThat(i.get("message").asText()).contains("ArithmeticException");
        });
        assertThat(r.json().get("segments").get(0).get("count").asInt()).isZero();
    }

    @Test
    void previewOfABrokenDraftIs422WithFileAndLine() throws Exception {
        var r = app.post("/v1/rules/preview", "application/json", previewBody(LOWER.replace("$total > 100000", "$total >"), null));
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        JsonNode m = r.json().get("messages").get(0);
        assertThat(m.get("file").asText()).isEqualTo("draft.drl");
        assertThat(m.get("line").asInt()).isBetween(20, 26);
        assertThat(r.json().get("valid").asBoolean()).isFalse();

        assertThat(app.post("/v1/rules/preview", "application/json", "{\"drl\":\"\"}").status()).isEqualTo(400);
        assertThat(app.post("/v1/rules/preview", "application/json", "{\"drl\":\"x\",\"smaple\":3}").status()).isEqualTo(400);
        assertThat(app.post("/v1/rules/preview", "application/json", "{\"drl\":\"x\",\"file\":\"../x.drl\"}").status()).isEqualTo(400);
    }

    @Test
    void explainNamesTheRuleItsFileAndTheFactsForP2() {
        var r = app.get("/v1/segments/" + SEED + "/explain?person=p2@townsend.com");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode e = r.json();
        assertThat(e.get("qualified").asBoolean()).isTrue();
        assertThat(e.get("person").get("email").asText()).isEqualTo("p2@townsend.com");
        JsonNode j = e.get("justifications");
        assertThat(j).hasSize(1);
        assertThat(j.get(0).get("rule").asText()).isEqualTo("High-value account, viewed the new product");
        assertThat(j.get(0).get("file").asText()).isEqualTo("high-value-new-product.drl");
        assertThat(j.get(0).get("bindings").get("$total").asDouble()).isEqualTo(1_100_000.0);
        List<String> keys = new ArrayList<>();
        j.get(0).get("facts").forEach(f -> keys.add(f.get("key").asText()));
        String pid = e.get("person").get("profileId").asText();
        assertThat(keys).contains("ACT:" + pid, "P:" + pid, "NOW");
        JsonNode activity = null;
        for (JsonNode f : j.get(0).get("facts")) if (f.get("type").asText().equals("Activity")) activity = f.get("fact");
        assertThat(activity.get("personId").asText()).isEqualTo(pid);
        assertThat(activity.get("events").get(0).get("url").asText()).contains("/products/new");
        assertThat(activity.get("events").get(0).get("source").asText()).isEqualTo("marketo-1");

        // By profile id, the same answer.
        String id = e.get("person").get("profileId").asText();
        assertThat(app.get("/v1/segments/" + SEED + "/explain?person=" + id).json().get("qualified").asBoolean()).isTrue();
    }

    @Test
    void explainOfANonMemberListsTheSegmentsRules() {
        JsonNode e = app.get("/v1/segments/" + SEED + "/explain?person=p3@townsend.com").json();
        assertThat(e.get("qualified").asBoolean()).isFalse();
        assertThat(e.get("justifications")).isEmpty();
        assertThat(e.get("rules").get(0).asText()).isEqualTo("high-value-new-product.drl:High-value account, viewed the new product");
        assertThat(e.get("hint").asText()).contains("p3@townsend.com does not qualify", "High-value account, viewed the new product");
        // Why not: p3's only account won $900,000, the rule asks for more than $1M; the deal it counted is named.
        JsonNode why = e.get("whyNot");
        assertThat(why).hasSize(1);
        assertThat(why.get(0).get("rule").asText()).isEqualTo("High-value account, viewed the new product");
        assertThat(why.get(0).get("file").asText()).isEqualTo("high-value-new-product.drl");
        assertThat(why.get(0).get("condition").asText()).startsWith("accumulate(").contains("$total > 1000000");
        assertThat(why.get(0).get("reason").asText()).isEqualTo("does not hold: $total = 900,000 over 1 counted fact(s)");
        assertThat(why.get(0).get("facts")).singleElement().satisfies(f -> assertThat(f.asText()).startsWith("O:"));
        // A member has no why-not.
        assertThat(app.get("/v1/segments/" + SEED + "/explain?person=p2@townsend.com").json().get("whyNot")).isEmpty();
    }

    @Test
    void previewTakesTheRuleAsPlainTextAndAnUnknownTypeIsPointedAtTheDocs() {
        var r = app.send("POST", "/v1/rules/preview?file=draft.drl&sample=5", "text/plain", LOWER, CohortApp.TOKEN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("segments").get(0).get("count").asInt()).isEqualTo(2);
        var bad = app.send("POST", "/v1/rules/preview?sample=x", "text/plain", LOWER, CohortApp.TOKEN);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("'sample'");
        var xml = app.send("POST", "/v1/rules/preview", "application/xml", LOWER, CohortApp.TOKEN);
        assertThat(xml.status()).isEqualTo(415);
        assertThat(xml.json().get("message").asText()).contains("application/xml", "POST /v1/rules/preview", "docs/api.md");
    }

    @Test
    void explainShowsClassificationFactsWithTheRuleThatDerivedThem() {
        JsonNode e = app.get("/v1/segments/upsell-customers/explain?person=p3@townsend.com").json();
        assertThat(e.get("qualified").asBoolean()).as(e.toString()).isTrue();
        JsonNode j = e.get("justifications").get(0);
        assertThat(j.get("rule").asText()).isEqualTo("Customer account without an open opportunity");
        JsonNode customer = null;
        for (JsonNode f : j.get("facts")) if (f.get("type").asText().equals("CustomerAccount")) customer = f;
        assertThat(customer).as(j.toString()).isNotNull();
        assertThat(customer.get("derivedBy").get(0).get("rule").asText()).isEqualTo("Customer: account with a won opportunity");
        assertThat(customer.get("derivedBy").get(0).get("file").asText()).isEqualTo("customer-accounts.drl");
    }

    @Test
    void explainAndPreviewAreForAnalystsAndSayWhatIsMissing() throws Exception {
        assertThat(app.get("/v1/segments/nope/explain?person=p2@townsend.com").status()).isEqualTo(404);
        assertThat(app.get("/v1/segments/" + SEED + "/explain?person=nobody@x.com").status()).isEqualTo(404);
        assertThat(app.get("/v1/segments/" + SEED + "/explain").status()).isEqualTo(400);
        assertThat(app.send("GET", "/v1/segments/" + SEED + "/explain?person=p2@townsend.com", null, null,
                "test-token-reader").status()).isEqualTo(403);
        assertThat(app.send("POST", "/v1/rules/preview", "application/json", previewBody(LOWER, 1),
                "test-token-reader").status()).isEqualTo(403);
        assertThat(app.send("GET", "/v1/segments/" + SEED + "/explain?person=p2@townsend.com", null, null,
                "test-token-analyst").status()).isEqualTo(200);
        // SegmentResource still serves its own sub-paths next to .../explain.
        assertThat(app.get("/v1/segments/" + SEED + "/members").status()).isEqualTo(200);
    }
}
