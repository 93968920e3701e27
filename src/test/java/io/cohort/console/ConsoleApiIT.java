package io.cohort.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.it.CohortApp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the console needs from the service, over plain HTTP on the running app: GET /v1/me,
 * /v1/status, /v1/search, /v1/activations (and the operator's replay and retry),
 * /v1/rules/files/{file}, /v1/segments/{id}/history, the members search and the newest-first
 * change feed; and how /console itself is served (policy, caching, fingerprints).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleApiIT {
    static final String SEGMENT = "high-value-new-product";
    static final String READER = "test-token-reader";
    static final String ANALYST = "test-token-analyst";
    static final String OPERATOR = "test-token-operator";
    static final String INGEST = "test-token-ingest";

    @TempDir static Path tmp;
    CohortApp app;
    int records;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    void start() throws Exception {
        app = new CohortApp(tmp).withExtraConfig("""
                destinations:
                  files: {type: file, directory: "%s"}
                activations:
                  - {id: hv-files, segment: high-value-new-product, destination: files}
                dispatcher: {pollInterval: 100ms}
                """.formatted(tmp.resolve("out")));
        app.start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        for (String s : List.of("crm-1", "crm-2", "marketo-1", "marketo-2", "mdm")) {
            var r = app.postFile("/v1/sources/" + s + "/records", Path.of("src/test/resources/bodea-canonical", s + ".json"));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            records += r.json().get("accepted").asInt();
        }
        app.settle();
    }

    @AfterAll
    void stop() { if (app != null) app.stop(); }

    private CohortApp.Response as(String token, String method, String path) {
        return app.send(method, path, null, null, token);
    }

    private HttpResponse<String> raw(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + app.port() + path));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private List<String> emails(CohortApp.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().get("members").forEach(m -> out.add(m.get("email").asText()));
        return out;
    }

    @Test
    @Order(1)
    void meNamesTheTokenAndItsRoles() {
        JsonNode all = app.get("/v1/me").json();
        assertThat(all.get("name").asText()).isEqualTo("all");
        assertThat(all.get("roles")).extracting(JsonNode::asText).containsExactly("analyst", "ingest", "operator", "reader");
        assertThat(as(READER, "GET", "/v1/me").json().get("roles")).extracting(JsonNode::asText).containsExactly("reader");
        assertThat(as(INGEST, "GET", "/v1/me").json().get("roles")).extracting(JsonNode::asText).containsExactly("ingest");
        var none = as(null, "GET", "/v1/me");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("message").asText()).contains("bearer token");
    }

    @Test
    @Order(2)
    void statusReadsTheIngestAndEvaluationMetrics() {
        JsonNode s = as(READER, "GET", "/v1/status").json();
        assertThat(s.get("ingest").get("records").asInt()).isEqualTo(records);
        assertThat(s.get("ingest").get("batches").asInt()).isEqualTo(5);
        assertThat(s.get("ingest").get("perSecond1m").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(s.get("evaluation").get("lagMillis").asLong()).isZero();
        assertThat(s.get("evaluation").get("memberships").asInt()).isPositive();
        assertThat(s.get("evaluation").get("evaluations").asInt()).isPositive();
        assertThat(s.get("delivery").has("pending")).isTrue();
        assertThat(as(INGEST, "GET", "/v1/status").status()).isEqualTo(403);
    }

    @Test
    @Order(3)
    void activationsCountTheirRowsAndOnlyOperatorsReplay() throws Exception {
        ActivationWait.until("p2 delivered to the files", () -> as(READER, "GET", "/v1/activations/hv-files").json().get("delivered").asInt() == 1);
        JsonNode a = as(READER, "GET", "/v1/activations").json().get("activations").get(0);
        assertThat(a.get("id").asText()).isEqualTo("hv-files");
        assertThat(a.get("segment").asText()).isEqualTo(SEGMENT);
        assertThat(a.get("state").asText()).isEqualTo("delivered");
        assertThat(a.get("pending").asInt()).isZero();
        assertThat(a.get("inAudience").asInt()).isEqualTo(1);
        assertThat(a.get("rejected").asInt()).isZero();
        assertThat(a.get("lastSuccessAt").isNull()).isFalse();
        assertThat(as(ANALYST, "GET", "/v1/activations").status()).isEqualTo(403);

        var refused = as(READER, "POST", "/v1/activations/hv-files/replay");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("message").asText()).contains("operator");
        var replay = as(OPERATOR, "POST", "/v1/activations/hv-files/replay");
        assertThat(replay.status()).as(replay.toString()).isEqualTo(200);
        assertThat(replay.json().get("rows").asInt()).isEqualTo(1);
        ActivationWait.until("the replay delivered", () -> as(READER, "GET", "/v1/activations/hv-files").json().get("pending").asInt() == 0);
        assertThat(as(OPERATOR, "POST", "/v1/activations/hv-files/retry").json().get("action").asText()).isEqualTo("retry");

        var unknown = as(OPERATOR, "POST", "/v1/activations/nope/replay");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("message").asText()).contains("no activation 'nope'", "hv-files");
        assertThat(as(READER, "GET", "/v1/activations/nope").status()).isEqualTo(404);
    }

    @Test
    @Order(4)
    void membersAreSearchedByAPartOfTheEmail() {
        String base = "/v1/segments/" + SEGMENT + "/members?q=";
        assertThat(emails(app.get(base + "townsend.com"))).containsExactly("p2@townsend.com");
        assertThat(emails(app.get(base + enc("P2@TOWNSEND")))).containsExactly("p2@townsend.com");
        assertThat(emails(app.get(base + enc("@example.com")))).isEmpty();
        // LIKE's wildcards are searched for literally.
        assertThat(emails(app.get(base + enc("%")))).isEmpty();
        assertThat(emails(app.get(base + enc("p_@")))).isEmpty();
        assertThat(emails(app.get(base + enc("  ") + "&status=all"))).containsExactly("p2@townsend.com");
        var tooLong = app.get(base + "a".repeat(321));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("message").asText()).contains("q must be at most 320 characters");
    }

    @Test
    @Order(5)
    void theChangeFeedReadsNewestFirst() throws Exception {
        var r = app.post("/v1/sources/marketo-2/records", "application/json", """
                {"records":[{"type":"event","id":"A-2-1","personId":"2002","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"2026-11-24T09:00:00Z","url":"https://www.bodea.com/products/new"}]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
        String feed = "/v1/segments/" + SEGMENT + "/changes";
        JsonNode first = app.get(feed + "?order=desc&limit=1").json();
        String p3 = app.get("/v1/profiles?email=p3@townsend.com").json().get("id").asText();
        assertThat(first.get("changes").get(0).get("profileId").asText()).isEqualTo(p3);
        long next = first.get("next").asLong();
        JsonNode second = app.get(feed + "?order=desc&limit=1&before=" + next).json();
        assertThat(second.get("changes").get(0).get("seq").asLong()).isLessThan(next);
        assertThat(app.get(feed + "?order=desc&limit=5").json().get("next").isNull()).as("last page").isTrue();
        assertThat(app.get(feed + "?order=sideways").status()).isEqualTo(400);
        assertThat(app.get(feed + "?before=3").json().get("message").asText()).contains("order=desc");
        assertThat(app.get(feed + "?order=desc&before=abc").status()).isEqualTo(400);
    }

    @Test
    @Order(6)
    void aRuleFileIsServedWithTheMessagesThatPointIntoIt() throws Exception {
        Path file = app.rules.resolve(SEGMENT + ".drl");
        String good = Files.readString(file);
        JsonNode f = as(READER, "GET", "/v1/rules/files/" + SEGMENT + ".drl").json();
        assertThat(f.get("source").asText()).isEqualTo(good);
        assertThat(f.get("messages")).isEmpty();
        assertThat(f.get("lastReloadFailed").asBoolean()).isFalse();
        var missing = app.get("/v1/rules/files/nope.drl");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("message").asText()).contains("customer-accounts.drl");
        // Names are looked up among the directory's *.drl files, never resolved as paths.
        for (String bad : List.of("/v1/rules/files/..%2F..%2Fpom.xml", "/v1/rules/files/high-value-new-product.test.yml",
                "/v1/rules/files/%2Fetc%2Fpasswd")) {
            assertThat(app.get(bad).status()).as(bad).isIn(400, 404);
        }
        assertThat(as(INGEST, "GET", "/v1/rules/files/" + SEGMENT + ".drl").status()).isEqualTo(403);

        Files.writeString(file, good.replace("    $p : Person()", "    $p : Person(emial != null)"));
        try {
            ActivationWait.until("the broken reload", () -> app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            JsonNode broken = app.get("/v1/rules/files/" + SEGMENT + ".drl").json();
            assertThat(broken.get("lastReloadFailed").asBoolean()).isTrue();
            assertThat(broken.get("messages")).hasSize(1);
            assertThat(broken.get("messages").get(0).get("line").asInt()).isEqualTo(good.lines().toList().indexOf("    $p : Person()") + 1);
            assertThat(app.get("/v1/rules/files/customer-accounts.drl").json().get("messages")).as("other files' messages are not in it").isEmpty();
        } finally {
            Files.writeString(file, good);
            ActivationWait.until("the fixed reload", () -> !app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
        }
    }

    @Test
    @Order(7)
    void searchFindsAPersonByEmailAndAccountsByDomainOrName() {
        for (String q : List.of("townsend.com", "@townsend.com", "https://www.Townsend.com/about", "TOWNSEND")) {
            JsonNode r = app.get("/v1/search?q=" + enc(q)).json();
            assertThat(r.get("accounts")).as(q).hasSize(1);
            assertThat(r.get("accounts").get(0).get("domain").asText()).isEqualTo("townsend.com");
            assertThat(r.get("accounts").get(0).get("sources")).hasSize(4);
        }
        JsonNode p2 = app.get("/v1/search?q=" + enc(" P2@townsend.com ")).json();
        assertThat(p2.get("people")).hasSize(1);
        assertThat(p2.get("people").get(0).get("firstName").asText()).isEqualTo("Parker");
        JsonNode none = app.get("/v1/search?q=nobody@example.com").json();
        assertThat(none.get("people")).isEmpty();
        assertThat(app.get("/v1/search?q=example.org").json().get("accounts")).isEmpty();
        assertThat(app.get("/v1/search?q=").status()).isEqualTo(400);
        assertThat(app.get("/v1/search").json().get("message").asText()).contains("'q' is required");
        assertThat(as(INGEST, "GET", "/v1/search?q=townsend.com").status()).isEqualTo(403);
    }

    @Test
    @Order(8)
    void theConsoleIsServedWithAPolicyAndCachedByFingerprint() throws Exception {
        var root = raw("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location").orElseThrow()).endsWith("/console/");
        assertThat(raw("/console").headers().firstValue("Location").orElseThrow()).endsWith("/console/");

        var page = raw("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-cache");
        // No inline script: every script element loads a file of ours.
        Matcher scripts = Pattern.compile("<script([^>]*)>([^<]*)</script>").matcher(page.body());
        int n = 0;
        while (scripts.find()) {
            n++;
            assertThat(scripts.group(1)).contains("src=\"static/");
            assertThat(scripts.group(2)).isBlank();
        }
        assertThat(n).isEqualTo(1);
        assertThat(page.body()).doesNotContain("http://", "https://", " style=", "onclick", "onload");

        String etag = page.headers().firstValue("ETag").orElseThrow();
        assertThat(raw("/console/", "If-None-Match", etag).statusCode()).isEqualTo(304);

        Matcher m = Pattern.compile("static/([0-9a-f]{12})/app\\.js").matcher(page.body());
        assertThat(m.find()).isTrue();
        String fp = m.group(1);
        var js = raw("/console/static/" + fp + "/app.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(js.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
        assertThat(js.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(raw("/console/static/" + fp + "/vendor/uPlot.esm.js").body()).contains("export { uPlot as default }");
        var stale = raw("/console/static/000000000000/app.js");
        assertThat(stale.statusCode()).as("another build's file").isEqualTo(404);
        assertThat(stale.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(raw("/console/static/" + fp + "/files.txt").statusCode()).isEqualTo(404);
        assertThat(raw("/console/static/" + fp + "/..%2F..%2F..%2Fconfig.yml").statusCode()).isIn(400, 404);

        // Every file of src/main/resources/console is listed, so every one is served.
        Path dir = Path.of("src/main/resources/console");
        List<String> listed = Files.readAllLines(dir.resolve("files.txt")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("index.html") && !p.equals("files.txt")))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
        for (String f : listed) assertThat(raw("/console/static/" + fp + "/" + f).statusCode()).as(f).isEqualTo(200);
    }

    @Test
    @Order(9)
    void historyCountsEntriesAndExitsPerDayAndSurvivesARestart() throws Exception {
        String p = "/v1/segments/" + SEGMENT + "/history";
        JsonNode h = app.get(p).json();
        assertThat(h.get("days")).hasSize(30);
        assertThat(h.get("from").asText()).isEqualTo("2026-10-27");
        assertThat(h.get("to").asText()).isEqualTo("2026-11-25");
        JsonNode today = h.get("days").get(29);
        assertThat(today.get("date").asText()).isEqualTo("2026-11-25");
        assertThat(today.get("entered").asInt()).as("p2 and p3").isEqualTo(2);
        assertThat(today.get("members").asInt()).isEqualTo(2);
        assertThat(h.get("days").get(28).get("members").asInt()).isZero();

        // p2's visit (11-20) leaves the 30-day window on 12-21, p3's (11-24) on 12-25.
        app.task("clock?set=2026-12-21T10:16:00Z");
        app.settle();
        JsonNode later = app.get(p + "?days=30").json();
        assertThat(later.get("size").asInt()).isEqualTo(1);
        List<String> days = new ArrayList<>();
        later.get("days").forEach(d -> days.add(d.get("date").asText() + " " + d.get("members").asInt() + " +"
                + d.get("entered").asInt() + " -" + d.get("exited").asInt()));
        assertThat(days).first().isEqualTo("2026-11-22 0 +0 -0");
        assertThat(days).contains("2026-11-25 2 +2 -0", "2026-12-20 2 +0 -0", "2026-12-21 1 +0 -1");
        assertThat(app.get(p + "?days=1").json().get("days")).hasSize(1);
        for (String bad : List.of("?days=0", "?days=367", "?days=abc")) {
            assertThat(app.get(p + bad).status()).as(bad).isEqualTo(400);
        }
        assertThat(app.get("/v1/segments/nope/history").status()).isEqualTo(404);
        assertThat(as(INGEST, "GET", p).status()).isEqualTo(403);

        // A restart at the same time reads the same history from the database.
        app.stop();
        app = new CohortApp(tmp, io.dropwizard.testing.ConfigOverride.config("engine.manualClockStart", "2026-12-21T10:16:00Z"));
        app.start();
        assertThat(app.get(p).json().get("days")).isEqualTo(later.get("days"));
    }
}
