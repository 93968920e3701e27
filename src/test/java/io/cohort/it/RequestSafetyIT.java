package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dropwizard.testing.ConfigOverride;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Request limits, framework-level failures and request ids, over HTTP on the running app: every
 * client mistake is a JSON 4xx that says what is wrong; nothing a client sends gives a 500.
 */
class RequestSafetyIT {
    static final String RECORDS = "/v1/sources/crm-1/records";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp,
                ConfigOverride.config("ingest.maxBodyBytes", "20000"),
                ConfigOverride.config("ingest.maxRecordsPerBatch", "5"),
                ConfigOverride.config("ingest.maxStringLength", "50"),
                ConfigOverride.config("ingest.maxAttributes", "3"),
                ConfigOverride.config("ingest.maxArrayLength", "3"),
                ConfigOverride.config("ingest.maxNestingDepth", "6")).start();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static Http.Reply send(String method, String path, String contentType, String body, String... headers) {
        return Http.api(app.port(), method, path, contentType, body, headers);
    }

    static void assertJsonError(Http.Reply r, int status, String... messageParts) {
        Http.assertJsonError(r, status, messageParts);
    }

    static String person(String id, String extra) {
        return "{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\"" + id + "@x.com\"" + extra + "}";
    }

    static String batch(String... records) { return "{\"records\":[" + String.join(",", records) + "]}"; }

    @Test
    void eachIngestLimitAnswersWithItsName() {
        assertJsonError(send("POST", RECORDS, "application/json", batch(person("a", ",\"title\":\"" + "x".repeat(21_000) + "\""))),
                413, "ingest.maxBodyBytes");
        assertJsonError(send("POST", "/v1/rules/validate", "text/plain", "x".repeat(21_000)), 413, "ingest.maxBodyBytes");

        String[] six = {person("1", ""), person("2", ""), person("3", ""), person("4", ""), person("5", ""), person("6", "")};
        assertJsonError(send("POST", RECORDS, "application/json", batch(six)), 413, "ingest.maxRecordsPerBatch");
        assertJsonError(send("POST", RECORDS, "application/x-ndjson", String.join("\n", six)), 413, "ingest.maxRecordsPerBatch");
        assertThat(send("POST", RECORDS, "application/json", batch(person("1", ""), person("2", ""))).status()).isEqualTo(200);

        Http.Reply longString = send("POST", RECORDS, "application/json", batch(person("s", ",\"firstName\":\"" + "y".repeat(51) + "\"")));
        assertJsonError(longString, 400);
        assertThat(longString.json().get("errors").get(0).get("field").asText()).isEqualTo("firstName");
        assertThat(longString.json().get("errors").get(0).get("message").asText()).contains("ingest.maxStringLength");

        Http.Reply attrs = send("POST", RECORDS, "application/json", batch(person("t", ",\"attributes\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4}")));
        assertJsonError(attrs, 400);
        assertThat(attrs.json().get("errors").get(0).get("field").asText()).isEqualTo("attributes");
        assertThat(attrs.json().get("errors").get(0).get("message").asText()).contains("ingest.maxAttributes");

        String refs = "{\"source\":\"crm-1\",\"id\":\"1\"},{\"source\":\"crm-2\",\"id\":\"2\"},"
                + "{\"source\":\"crm-1\",\"id\":\"3\"},{\"source\":\"crm-2\",\"id\":\"4\"}";
        Http.Reply array = send("POST", "/v1/sources/mdm/records", "application/json",
                batch("{\"type\":\"accountLink\",\"id\":\"L\",\"accounts\":[" + refs + "]}"));
        assertJsonError(array, 400);
        assertThat(array.json().get("errors").get(0).get("field").asText()).isEqualTo("accounts");
        assertThat(array.json().get("errors").get(0).get("message").asText()).contains("ingest.maxArrayLength");

        String deep = "{\"a\":".repeat(8) + "1" + "}".repeat(8);
        assertJsonError(send("POST", RECORDS, "application/json", batch(person("d", ",\"attributes\":" + deep))),
                400, "ingest.maxNestingDepth");
        assertJsonError(send("POST", RECORDS, "application/x-ndjson", person("d", ",\"attributes\":" + deep)),
                400, "ingest.maxNestingDepth");
        assertJsonError(send("POST", "/v1/sources/marketo-1/native/leads", "application/json", "[".repeat(10) + "]".repeat(10)),
                400, "ingest.maxNestingDepth");
    }

    @Test
    void malformedJsonToEveryJsonEndpointIs400() {
        for (String[] c : new String[][] {
                {RECORDS, "application/json"}, {RECORDS, "application/x-ndjson"}, {RECORDS, null},
                {"/v1/sources/marketo-1/native/leads", "application/json"}}) {
            for (String body : new String[] {"{\"records\":[{]}", "{", "not json", "{\"records\":[]} trailing", "\u0000\u0001"}) {
                assertJsonError(send("POST", c[0], c[1], body), 400);
            }
            assertJsonError(send("POST", c[0], c[1], ""), 400);
        }
        assertJsonError(send("POST", RECORDS, "application/json", "{\"records\":[], \"records\":[]}"), 400, "Duplicate field");
    }

    @Test
    void jerseyLevelMistakesAreJson4xx() {
        assertJsonError(send("POST", RECORDS, "text/csv", "a,b"), 415, "Content-Type");
        Http.Reply notAllowed = send("DELETE", "/v1/segments", null, null);
        assertJsonError(notAllowed, 405, "DELETE", "GET");
        assertThat(notAllowed.header("Allow")).contains("GET");
        assertJsonError(send("PUT", RECORDS, "application/json", "{}"), 405, "allowed: OPTIONS, POST");
        assertJsonError(send("GET", "/v1/segments", null, null, "Accept", "text/html"), 406, "application/json");
        assertJsonError(send("GET", "/v1/no-such-thing", null, null), 404, "no such endpoint");
        assertJsonError(send("GET", "/no-such-page", null, null), 404); // "/" redirects to the console
    }

    @Test
    void badQueryParametersAre400NotFoundOr500() {
        String seg = "/v1/segments/high-value-new-product";
        assertJsonError(send("GET", seg + "/members?limit=abc", null, null), 400, "query parameter 'limit'", "abc");
        assertJsonError(send("GET", seg + "/changes?limit=1e3", null, null), 400, "'limit'");
        assertJsonError(send("GET", seg + "/changes?after=zz", null, null), 400, "after");
        assertJsonError(send("GET", seg + "/members?limit=0", null, null), 400, "limit");
        assertJsonError(send("GET", seg + "/members?status=gone", null, null), 400, "status");
        assertJsonError(send("GET", "/v1/profiles", null, null), 400, "email");
        assertJsonError(send("POST", "/v1/rules/validate?file=../../etc/passwd.drl", "text/plain", "rule"), 400, "file");
    }

    @Test
    void jettyLevelFailuresAreJsonToo() throws Exception {
        assertJsonError(send("GET", "/v1/segments", null, null, "X-Big", "h".repeat(20_000)), 431, "headers");
        assertJsonError(send("GET", "/v1/segments?q=" + "u".repeat(20_000), null, null), 414);
        // The servlet context's own error pages (here the console servlet's 405 for DELETE): they had no body
        // for methods other than GET, POST and HEAD, and were Jetty's JSON without "code" otherwise.
        assertJsonError(send("DELETE", "/console/app.js", null, null), 405);
        try (Socket s = new Socket("localhost", app.port())) {
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/segments HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 400").containsIgnoringCase("content-type: application/json")
                    .contains("{\"code\":400");
        }
    }

    /** Hostile-input campaign: headers Jersey or Jetty could not parse were an HTML page, Jetty's own JSON, or nothing. */
    @Test
    void malformedMediaTypeHeadersAreJson400sNamingTheHeader() {
        assertJsonError(send("GET", "/v1/segments", ";;;==//", null), 400, "header Content-Type", "';;;==//'", "media type");
        assertJsonError(send("POST", RECORDS, ";;;==//", batch(), "Accept", "application/json"), 400, "header Content-Type");
        assertJsonError(send("GET", "/v1/segments", null, null, "Accept", ";;;=="), 400, "header Accept", "';;;=='");
        assertJsonError(send("GET", "/v1/segments", null, null, "Accept", "application/json, ;;;=="), 400, "header Accept");
        // Valid lists, wildcards and parameters still pass.
        assertThat(send("GET", "/v1/segments", null, null, "Accept", "text/html;q=0.9, */*;q=0.1").status()).isEqualTo(200);
        assertThat(send("GET", "/v1/segments", null, null, "Accept", "*").status()).isEqualTo(200);
        assertThat(send("POST", RECORDS, "application/json; charset=utf-8", batch(person("ct-ok", ""))).status()).isEqualTo(200);
    }

    /** Dropwizard refuses TRACE and unknown methods before Jersey: that 405 had no body and no Allow. */
    @Test
    void methodsRefusedBeforeJerseyAreJson405sWithAllow() {
        for (String method : new String[] {"TRACE", "FOO"}) {
            Http.Reply r = send(method, "/v1/segments", null, null);
            assertJsonError(r, 405, method, "GET");
            assertThat(r.header("Allow")).as(method).contains("GET").doesNotContain("TRACE").doesNotContain("FOO");
            Http.Reply records = send(method, RECORDS, null, null);
            assertJsonError(records, 405, method, "POST");
            assertThat(records.header("Allow")).as(method).contains("POST").doesNotContain("GET");
        }
    }

    @Test
    void aGzipBodyCutInsideItsHeaderIsA400SayingSo() throws Exception {
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(batch(person("gz-cut", "")).getBytes(StandardCharsets.UTF_8));
        }
        byte[] cut = java.util.Arrays.copyOf(gz.toByteArray(), 10);
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + app.port() + RECORDS)).header("Authorization", "Bearer " + CohortApp.TOKEN)
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(cut)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertJsonError(new Http.Reply(r.statusCode(), r.body(), r.headers()), 400, "gzip", "truncated");
    }

    /** Parse errors say what is wrong with the JSON, not which Jackson feature would accept it. */
    @Test
    void jsonParseErrorsDoNotNameJacksonInternals() {
        for (String path : new String[] {RECORDS, "/v1/sources/marketo-1/native/leads", "/v1/rules/preview"}) {
            for (String body : new String[] {"{\"records\":[NaN]}", "{\"records\":[+1]}", "{\"records\":[]} {}", "{'records':[]}",
                    "/* c */ {}", "{\"records\":[01]}", "{\"records\":[\"\u0001\"]}", "{\"a\":-Infinity}", "[1,]",
                    "{\"records\":[" + "1".repeat(150) + "]}"}) {
                Http.Reply r = send("POST", path, "application/json", body);
                assertJsonError(r, 400);
                assertThat(r.json().get("message").asText()).as(path + " " + body)
                        .doesNotContain("`").doesNotContain("Feature").doesNotContain("REDACTED").doesNotContain("com.fasterxml");
            }
        }
        Http.Reply ndjson = send("POST", RECORDS, "application/x-ndjson", "{\"type\":\"person\",\"id\":NaN}");
        assertJsonError(ndjson, 400, "NaN");
        assertThat(ndjson.json().get("message").asText()).doesNotContain("`").doesNotContain("Feature");
    }

    /** Jersey dropped ";x=1" from a path segment: the batch was stored under crm-1. */
    @Test
    void pathParametersInAPathAreA400NamingThem() {
        long before = app.app().services().store().count();
        assertJsonError(send("POST", "/v1/sources/crm-1;x=1/records", "application/json", batch(person("mx", ""))), 400, ";x=1");
        assertJsonError(send("GET", "/v1/segments;a=b", null, null), 400, ";a=b");
        assertThat(app.app().services().store().count()).isEqualTo(before);
    }

    /** JAX-RS read a value that trim() empties (%00, %20, %09) as absent, so the default was used. */
    @Test
    void blankOrControlCharacterQueryValuesAreA400NamingTheParameter() {
        String seg = "/v1/segments/high-value-new-product";
        String[][] cases = {
                {seg + "/members?limit=%00", "limit"}, {seg + "/members?limit=%20", "limit"}, {seg + "/members?after=%00", "after"},
                {seg + "/changes?limit=%00", "limit"}, {seg + "/changes?after=%00", "after"},
                {seg + "/changes?limit=%09", "limit"}, {seg + "/history?days=%00", "days"}, {seg + "/history?days=%09", "days"},
                {"/v1/sources/quarantine?after=%00", "after"},
                {"/v1/sources/quarantine?limit=%20", "limit"}, {"/v1/sources/quarantine?limit=5%00", "limit"}};
        for (String[] c : cases) assertJsonError(send("GET", c[0], null, null), 400, "query parameter '" + c[1] + "'");
        // An empty value is how clients ask for a first page: still the default.
        for (String ok : new String[] {seg + "/members?limit=5", seg + "/members", seg + "/members?after=", seg + "/history?days=",
                seg + "/changes?after=0&limit=5", seg + "/history?days=7",
                seg + "/history", "/v1/sources/quarantine?after=0&limit=5", "/v1/sources/quarantine"}) {
            Http.Reply r = send("GET", ok, null, null);
            assertThat(r.status()).as(ok + ": " + r).isEqualTo(200);
        }
    }

    @Test
    void requestIdsAreAcceptedWhenSaneAndGeneratedOtherwise() {
        Http.Reply own = send("GET", "/v1/segments", null, null, "X-Request-Id", "trace-42.a:b");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.header("X-Request-Id")).isEqualTo("trace-42.a:b");
        Http.Reply generated = send("GET", "/v1/segments", null, null);
        assertThat(generated.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        Http.Reply insane = send("GET", "/v1/segments", null, null, "X-Request-Id", "has spaces \"and quotes\"");
        assertThat(insane.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        Http.Reply tooLong = send("GET", "/v1/segments", null, null, "X-Request-Id", "a".repeat(101));
        assertThat(tooLong.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        Map<String, String> none = Map.of();
        assertThat(Http.send(app.port(), "GET", "/v1/segments", null, none).header("X-Request-Id")).isNotBlank();
    }

    /** A real fault (a table gone from the database): 500 with the id, logged with the id. */
    @Test
    void unexpectedFailureIsLoggedAndAnsweredWithTheRequestId() throws Exception {
        try (CohortApp broken = new CohortApp(tmp.resolve("broken"))) {
            broken.start();
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + tmp.resolve("broken/db/cohort").toAbsolutePath()
                    + ";MODE=PostgreSQL", "sa", "")) {
                c.createStatement().execute("DROP TABLE ingest_batch");
            }
            Logger logger = (Logger) LoggerFactory.getLogger(io.cohort.api.FrameworkErrors.class);
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            logger.addAppender(log);
            try {
                Http.Reply r = Http.send(broken.port(), "POST", RECORDS, batch(person("a", "")), Map.of(
                        "Authorization", "Bearer " + CohortApp.TOKEN, "Content-Type", "application/json",
                        "X-Request-Id", "incident-0001"));
                assertJsonError(r, 500, "incident-0001");
                assertThat(r.body()).doesNotContain("ingest_batch").doesNotContain("Exception");
                assertThat(log.list).anySatisfy(e -> {
                    assertThat(e.getLevel().toString()).isEqualTo("ERROR");
                    assertThat(e.getFormattedMessage()).contains("incident-0001");
                    assertThat(e.getMDCPropertyMap()).containsEntry("requestId", "incident-0001");
                    assertThat(e.getThrowableProxy()).isNotNull();
                });
            } finally {
                logger.detachAppender(log);
            }
        }
    }
}
