package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 11: client mistakes that were answered 500. Each is now a JSON 4xx naming what
 * and where, and nothing of the refused request is stored.
 */
class ClientMistakesIT {
    static final String RECORDS = "/v1/sources/crm-1/records";
    static final String HEADER = "package cohort.segments;\nimport io.cohort.model.*;\n";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static Http.Reply send(String method, String path, String contentType, String body, String... headers) {
        return Http.api(app.port(), method, path, contentType, body, headers);
    }

    static JsonNode assertJsonError(Http.Reply r, int status, String... messageParts) {
        return Http.assertJsonError(r, status, messageParts);
    }

    static JsonNode fieldError(Http.Reply r, int index) {
        for (JsonNode e : assertJsonError(r, 400).path("errors")) if (e.get("index").asInt() == index) return e;
        throw new AssertionError("no field error for record " + index + ": " + r);
    }

    long rows() { return app.app().services().store().count(); }

    /**
     * People are found by their exact id only (the graph keys them by the id's bits): an id in
     * another case or of another shape is a 404 naming it, never someone else or a 500.
     */
    @Test
    void aProfileIdInAnotherCaseOrShapeIsA404NamingIt() {
        Http.Reply stored = send("POST", RECORDS, "application/json",
                "{\"records\":[{\"type\":\"person\",\"id\":\"case-1\",\"email\":\"Case.Person@Example.com\"}]}");
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        String id = io.cohort.identity.UnifiedIds.personByEmail("case.person@example.com");
        Http.Reply found = send("GET", "/v1/profiles/" + id, null, null);
        assertThat(found.status()).as(found.toString()).isEqualTo(200);
        assertThat(found.json().get("id").asText()).isEqualTo(id);
        for (String other : java.util.List.of(id.toUpperCase(), "P" + id.substring(1), id.substring(0, 17) + "g", id + "0",
                id.substring(0, 17), "p-" + "\u0663".repeat(16), "p-+" + id.substring(3), "x".repeat(2_000))) {
            String path = "/v1/profiles/" + java.net.URLEncoder.encode(other, java.nio.charset.StandardCharsets.UTF_8);
            assertJsonError(send("GET", path, null, null), 404, "no profile");
        }
    }

    @Test
    void personIdOf1025CharactersIsA400NamingTheField() {
        long before = rows();
        String id = "p".repeat(1_025);
        Http.Reply r = send("POST", RECORDS, "application/json",
                "{\"records\":[{\"type\":\"person\",\"id\":\"ok-1\"},{\"type\":\"person\",\"id\":\"" + id + "\"}]}");
        JsonNode e = fieldError(r, 1);
        assertThat(e.get("field").asText()).isEqualTo("id");
        assertThat(e.get("message").asText()).contains("255");
        assertThat(rows()).isEqualTo(before);
    }

    /** A record with {@code id} in one of its id fields (keys, references, deletes), and that field's path: one row a field. */
    static String[][] recordsWithId(String id) {
        return new String[][] {
                {"{\"type\":\"person\",\"id\":\"" + id + "\"}", "id"},
                {"{\"type\":\"accountPerson\",\"accountId\":\"" + id + "\",\"personId\":\"p\"}", "accountId"},
                {"{\"type\":\"accountPerson\",\"accountId\":\"a\",\"personId\":\"" + id + "\"}", "personId"},
                {"{\"type\":\"opportunityPerson\",\"opportunityId\":\"" + id + "\",\"personId\":\"p\"}", "opportunityId"},
                {"{\"type\":\"campaignMember\",\"campaignId\":\"" + id + "\",\"personId\":\"p\"}", "campaignId"},
                {"{\"type\":\"marketingListMember\",\"listId\":\"l\",\"personId\":\"" + id + "\"}", "personId"},
                {"{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"p\",\"eventType\":\"t\",\"timestamp\":\"2026-11-02T10:15:00Z\"}", "id"},
                {"{\"type\":\"opportunity\",\"id\":\"o\",\"accountId\":\"" + id + "\"}", "accountId"},
                {"{\"type\":\"account\",\"id\":\"a\",\"sameAs\":{\"source\":\"crm-2\",\"id\":\"" + id + "\"}}", "sameAs.id"},
                {"{\"type\":\"accountLink\",\"accounts\":[{\"source\":\"crm-1\",\"id\":\"a\"},{\"source\":\"crm-2\",\"id\":\"" + id + "\"}]}", "accounts[1].id"},
                {"{\"type\":\"accountLink\",\"id\":\"" + id + "\",\"accounts\":[{\"source\":\"crm-1\",\"id\":\"a\"},{\"source\":\"crm-2\",\"id\":\"b\"}]}", "id"},
                {"{\"type\":\"person\",\"id\":\"" + id + "\",\"deleted\":true}", "id"},
                {"{\"type\":\"accountPerson\",\"accountId\":\"" + id + "\",\"personId\":\"p\",\"deleted\":true}", "accountId"},
        };
    }

    @Test
    void everyKeyAndReferenceIdHasTheDocumentedLimit() {
        String[][] cases = recordsWithId("k".repeat(256));
        long before = rows();
        for (String[] c : cases) {
            Http.Reply r = send("POST", RECORDS, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"ok-2\"}," + c[0] + "]}");
            assertThat(fieldError(r, 1).get("field").asText()).as(c[0].substring(0, 40)).isEqualTo(c[1]);
        }
        assertThat(rows()).isEqualTo(before);
        // 255 is allowed, also as both halves of a composite key full of characters that are escaped in keys.
        String max = "|\\".repeat(127) + "x";
        Http.Reply ok = send("POST", RECORDS, "application/json", "{\"records\":[{\"type\":\"accountPerson\",\"accountId\":\""
                + max.replace("\\", "\\\\") + "\",\"personId\":\"" + max.replace("\\", "\\\\") + "\"}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    }

    static final String GENERIC = "/v1/sources/generic/records";

    /** POSTs [a valid person with a fresh key, {@code bad}] to the generic source: the error of record 1, nothing stored. */
    JsonNode refusedSecond(String bad) {
        long before = rows();
        String valid = "ok-" + java.util.UUID.randomUUID();
        Http.Reply r = send("POST", GENERIC, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"" + valid + "\"}," + bad + "]}");
        JsonNode e = fieldError(r, 1);
        for (JsonNode other : r.json().path("errors")) assertThat(other.get("index").asInt()).as(r.toString()).isEqualTo(1);
        assertThat(rows()).as(bad).isEqualTo(before);
        assertThat(send("GET", GENERIC + "/person/" + valid, null, null).status()).as(bad).isEqualTo(404);
        return e;
    }

    /** Unknown fields inside a reference were dropped silently, unlike unknown fields of the record itself. */
    @Test
    void anUnknownFieldInsideAReferenceIsA400NamingIt() {
        JsonNode e = refusedSecond("{\"type\":\"account\",\"id\":\"FZ-S\",\"sameAs\":{\"source\":\"crm-1\",\"id\":\"x\",\"extra\":1}}");
        assertThat(e.get("field").asText()).isEqualTo("sameAs.extra");
        assertThat(e.get("message").asText()).contains("unknown field");
        e = refusedSecond("{\"type\":\"opportunity\",\"id\":\"FZ-O\",\"sameAs\":{\"source\":\"crm-1\",\"id\":\"x\",\"Id\":\"y\"}}");
        assertThat(e.get("field").asText()).isEqualTo("sameAs.Id");
        e = refusedSecond("{\"type\":\"accountLink\",\"accounts\":[{\"source\":\"generic\",\"id\":\"FZ-A\",\"x\":1},"
                + "{\"source\":\"crm-1\",\"id\":\"FZ-B\"}]}");
        assertThat(e.get("field").asText()).isEqualTo("accounts[0].x");
        assertThat(send("GET", GENERIC + "/account/FZ-S", null, null).status()).isEqualTo(404);
    }

    /**
     * No record of a source that is not configured can ever be stored, so a reference to one never
     * joins anything: a typo that was stored and silently linked nothing.
     */
    @Test
    void aReferenceToASourceThatIsNotConfiguredIsA400ListingTheConfiguredOnes() {
        JsonNode e = refusedSecond("{\"type\":\"account\",\"id\":\"NS-1\",\"sameAs\":{\"source\":\"nosuch\",\"id\":\"x\"}}");
        assertThat(e.get("field").asText()).isEqualTo("sameAs.source");
        assertThat(e.get("message").asText()).contains("'nosuch' is not a configured source", "crm-1, crm-2, generic, marketo-1, marketo-2, mdm");
        e = refusedSecond("{\"type\":\"accountLink\",\"id\":\"NS-L\",\"accounts\":[{\"source\":\"crm-1\",\"id\":\"a\"},"
                + "{\"source\":\"nosuch\",\"id\":\"b\"}]}");
        assertThat(e.get("field").asText()).isEqualTo("accounts[1].source");
        // The MDM's own export goes through the same check: a system named neither by systems: nor as a source.
        long before = rows();
        Http.Reply r = send("POST", "/v1/sources/mdm/native/crossReferences", "application/json", "{\"entities\":[{\"mdmId\":\"NS-M\","
                + "\"members\":[{\"system\":\"crm-1\",\"recordId\":\"a\"},{\"system\":\"SAP\",\"recordId\":\"b\"}]}]}");
        assertThat(fieldError(r, 0).get("field").asText()).isEqualTo("accounts[1].source");
        assertThat(rows()).isEqualTo(before);
        // A record that names itself as the record it copies would rank as a copy and link nothing.
        e = refusedSecond("{\"type\":\"account\",\"id\":\"SELF-1\",\"sameAs\":{\"source\":\"generic\",\"id\":\"SELF-1\"}}");
        assertThat(e.get("field").asText()).isEqualTo("sameAs");
        assertThat(e.get("message").asText()).contains("itself");
        // Another source's record of the same id, and a configured source, are fine.
        Http.Reply ok = send("POST", GENERIC, "application/json", "{\"records\":[{\"type\":\"account\",\"id\":\"SELF-1\","
                + "\"sameAs\":{\"source\":\"crm-1\",\"id\":\"SELF-1\"}},{\"type\":\"accountLink\",\"id\":\"NS-OK\","
                + "\"accounts\":[{\"source\":\"crm-1\",\"id\":\"a\"},{\"source\":\"generic\",\"id\":\"SELF-1\"}]}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    }

    /**
     * A lone surrogate was stored and could then not be read back (it has no UTF-8 form: the
     * request for it was a 404); format characters make ids that look alike differ. Every id
     * field, references too, and ids a vendor mapping produces.
     */
    @Test
    void idsWithBrokenUtf16OrInvisibleCharactersAreA400NamingTheField() {
        for (String bad : new String[] {"\\ud800", "a\\udc00b", "x\\ud83d", "\\u202e1-TNUOCCA", "a\\u200bb", "\\ufeffa", "a\\u2066b", "a\\u00adb"}) {
            // Every id field, and a reference's source.
            java.util.List<String[]> cases = new java.util.ArrayList<>(java.util.List.of(recordsWithId(bad)));
            cases.add(new String[] {"{\"type\":\"account\",\"id\":\"a\",\"sameAs\":{\"source\":\"crm-1" + bad + "\",\"id\":\"x\"}}", "sameAs.source"});
            for (String[] c : cases) {
                JsonNode e = refusedSecond(c[0]);
                assertThat(e.get("field").asText()).as(c[0]).isEqualTo(c[1]);
                assertThat(e.get("message").asText()).as(c[0]).contains("ids may not hold invisible or direction-changing characters or broken UTF-16");
            }
        }
        // A vendor's ids: a Marketo lead, an MDM entity and its member.
        long before = rows();
        Http.Reply r = send("POST", "/v1/sources/marketo-1/native/leads", "application/json",
                "{\"success\":true,\"result\":[{\"id\":\"\\u202e77\",\"email\":\"rtl@x.com\"}]}");
        assertThat(fieldError(r, 0).get("field").asText()).isEqualTo("id");
        r = send("POST", "/v1/sources/mdm/native/crossReferences", "application/json", "{\"entities\":[{\"mdmId\":\"M\\u200b1\","
                + "\"members\":[{\"system\":\"crm-1\",\"recordId\":\"a\"},{\"system\":\"crm-2\",\"recordId\":\"b\\ud800\"}]}]}");
        assertThat(assertJsonError(r, 400).path("errors")).extracting(n -> n.get("field").asText()).containsExactly("accounts[1].id", "id");
        assertThat(rows()).isEqualTo(before);
    }

    /** Letters of any script, and characters outside the BMP (a surrogate pair), are ids like any other. */
    @Test
    void nonAsciiIdsAreAcceptedAndReadBack() {
        String[] ids = {"é-ü-ß", "日本-株式会社", "ÆØÅ\\u00e9", "emoji-\\ud83d\\ude00", "עברית-1"};
        StringBuilder records = new StringBuilder();
        for (String id : ids) {
            records.append(records.length() == 0 ? "" : ",").append("{\"type\":\"person\",\"id\":\"").append(id).append("\"},")
                    .append("{\"type\":\"account\",\"id\":\"").append(id).append("\",\"sameAs\":{\"source\":\"crm-1\",\"id\":\"")
                    .append(id).append("\"}}");
        }
        Http.Reply ok = send("POST", GENERIC, "application/json", "{\"records\":[" + records + "]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        for (String id : ids) {
            String text; // the id as JSON reads it (some are sent as \\u escapes)
            try {
                text = new com.fasterxml.jackson.databind.ObjectMapper().readTree("\"" + id + "\"").asText();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            String q = java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
            Http.Reply read = send("GET", GENERIC + "/person?id=" + q, null, null);
            assertThat(read.status()).as(text + ": " + read).isEqualTo(200);
            assertThat(read.json().get("record").get("id").asText()).isEqualTo(text);
            JsonNode account = send("GET", GENERIC + "/account?id=" + q, null, null).json().get("record");
            assertThat(account.get("sameAs").get("id").asText()).isEqualTo(text);
        }
    }

    /**
     * employees was read through a double, where 2^63 equals Long.MAX_VALUE: it was stored clamped
     * instead of refused like 1e30. Whole numbers are read exactly, up to Long.MAX_VALUE itself.
     */
    @Test
    void employeesOf2To63IsA400AndLongMaxValueIsKeptExactly() {
        long before = rows();
        for (String employees : new String[] {"9223372036854775808", "\"9223372036854775808\"", "1e30", "12.5"}) {
            Http.Reply r = send("POST", RECORDS, "application/json", "{\"records\":[{\"type\":\"account\",\"id\":\"ok-4\"},"
                    + "{\"type\":\"account\",\"id\":\"A\",\"employees\":" + employees + "}]}");
            JsonNode e = fieldError(r, 1);
            assertThat(e.get("field").asText()).as(employees).isEqualTo("employees");
            assertThat(e.get("message").asText()).as(employees).contains("whole number");
        }
        assertThat(rows()).isEqualTo(before);
        assertThat(send("GET", RECORDS + "/account/A", null, null).status()).isEqualTo(404);
        Http.Reply ok = send("POST", RECORDS, "application/json", "{\"records\":[{\"type\":\"account\",\"id\":\"max\","
                + "\"employees\":9223372036854775807},{\"type\":\"account\",\"id\":\"odd\",\"employees\":\"9007199254740993\"}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(send("GET", RECORDS + "/account/max", null, null).json().get("record").get("employees").asText())
                .isEqualTo("9223372036854775807");
        assertThat(send("GET", RECORDS + "/account/odd", null, null).json().get("record").get("employees").asText())
                .as("past 2^53 a double drops the last digit").isEqualTo("9007199254740993");
    }

    /** An email is matched and stored in lower case, which can be longer: 300 × "İ" is 606 characters of "i̇". */
    @Test
    void emailLongerThan320CharactersInLowerCaseIsA400() {
        long before = rows();
        String email = "\u0130".repeat(300) + "@x.com";
        Http.Reply r = send("POST", RECORDS, "application/json",
                "{\"records\":[{\"type\":\"person\",\"id\":\"ok-4\"},{\"type\":\"person\",\"id\":\"lower-email\",\"email\":\"" + email + "\"}]}");
        JsonNode e = fieldError(r, 1);
        assertThat(e.get("field").asText()).isEqualTo("email");
        assertThat(e.get("message").asText()).contains("606", "lower case", "320");
        assertThat(rows()).isEqualTo(before);
    }

    @Test
    void emailLongerThan320CharactersIsA400() {
        String email = "e".repeat(320) + "@x.com";
        Http.Reply r = send("POST", RECORDS, "application/json",
                "{\"records\":[{\"type\":\"person\",\"id\":\"ok-3\"},{\"type\":\"person\",\"id\":\"long-email\",\"email\":\"" + email + "\"}]}");
        JsonNode e = fieldError(r, 1);
        assertThat(e.get("field").asText()).isEqualTo("email");
        assertThat(e.get("message").asText()).contains("320");
    }

    @Test
    void gzipWithAGarbageBodyIsA400() throws Exception {
        long before = rows();
        for (String path : new String[] {RECORDS, "/v1/sources/marketo-1/native/leads", "/v1/rules/validate?file=x.drl"}) {
            Http.Reply r = send("POST", path, path.contains("rules") ? "text/plain" : "application/json",
                    "this is not gzip at all", "Content-Encoding", "gzip");
            assertJsonError(r, 400, "gzip");
        }
        // A stream cut short: Jetty inflates what there is without checking the trailer; the JSON is cut, so 400 too.
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("{\"records\":[{\"type\":\"person\",\"id\":\"gz\"}]}".getBytes());
        }
        byte[] cut = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() - 12);
        assertJsonError(sendBytes(RECORDS, cut, "gzip"), 400);
        assertThat(rows()).isEqualTo(before);
        // A real gzip body is read.
        assertThat(sendBytes(RECORDS, gz.toByteArray(), "gzip").status()).isEqualTo(200);
        assertJsonError(sendBytes(RECORDS, "{}".getBytes(), "br"), 415, "Content-Encoding");
        // "x-gzip" was let through and never inflated: a 400 about byte 31 of "malformed JSON".
        long stored = rows();
        assertJsonError(sendBytes(RECORDS, gz.toByteArray(), "x-gzip"), 415, "Content-Encoding 'x-gzip'", "send gzip");
        assertThat(rows()).isEqualTo(stored);
    }

    /** The media type itself decides how a batch is read, not how its name begins. */
    @Test
    void aBatchIsReadAsItsExactMediaType() {
        String body = "{\"records\":[{\"type\":\"person\",\"id\":\"mt-1\"}]}";
        for (String type : new String[] {"application/jsonl", "application/json-seq", "application/x-ndjsonx", "text/json"}) {
            assertJsonError(send("POST", RECORDS, type, body), 415, "Content-Type must be application/json or application/x-ndjson");
        }
        for (String type : new String[] {"application/json", "APPLICATION/JSON; charset=utf-8", "application/json;charset=UTF-8"}) {
            assertThat(send("POST", RECORDS, type, body).status()).as(type).isEqualTo(200);
        }
        assertThat(send("POST", RECORDS, "Application/X-NDJSON", "{\"type\":\"person\",\"id\":\"mt-2\"}\n").status()).isEqualTo(200);
    }

    /**
     * Jetty inflates a gzip body without checking its CRC-32 or that its trailer is there: a body
     * damaged on its way ("gz-crc-good" arriving as "gz-crc-EVIL") was answered 200 and stored as
     * the other record, and one cut inside its trailer was taken as whole.
     */
    @Test
    void gzipWhoseCrcOrTrailerIsWrongIsA400AndStoresNothing() throws Exception {
        long before = rows();
        byte[] json = "{\"records\":[{\"type\":\"person\",\"id\":\"gz-crc-good\"}]}".getBytes();
        byte[] stored = io.cohort.api.GzipIntegrityTest.storedGzip(json);
        int at = io.cohort.api.GzipIntegrityTest.indexOf(stored, "gz-crc-good".getBytes());
        byte[] damaged = stored.clone();
        System.arraycopy("EVIL".getBytes(), 0, damaged, at + 7, 4);
        assertJsonError(sendBytes(RECORDS, damaged, "gzip"), 400, "gzip", "CRC-32");
        byte[] leads = io.cohort.api.GzipIntegrityTest.storedGzip(
                "{\"requestId\":\"r\",\"success\":true,\"result\":[{\"id\":\"gz-lead-1\"}]}".getBytes());
        leads[io.cohort.api.GzipIntegrityTest.indexOf(leads, "gz-lead-1".getBytes()) + 8] = '7';
        assertJsonError(sendBytes("/v1/sources/marketo-1/native/leads", leads, "gzip"), 400, "gzip", "CRC-32");
        assertJsonError(sendBytes(RECORDS, java.util.Arrays.copyOf(stored, stored.length - 3), "gzip"), 400, "gzip", "truncated");
        byte[] ndjson = io.cohort.api.GzipIntegrityTest.storedGzip("{\"type\":\"person\",\"id\":\"gz-crc-good\"}\n".getBytes());
        ndjson[ndjson.length - 8] ^= 1;
        assertJsonError(sendBytes(RECORDS, ndjson, "application/x-ndjson", "gzip"), 400, "gzip", "CRC-32");
        assertThat(rows()).isEqualTo(before);
        assertThat(app.get("/v1/sources/crm-1/records/person/gz-crc-EVIL").status()).isEqualTo(404);
        // Whole ones are read: one member, and one whose header has every optional part.
        assertThat(sendBytes(RECORDS, stored, "gzip").status()).isEqualTo(200);
        byte[] full = io.cohort.api.GzipIntegrityTest.gzipWithAllHeaderParts(json);
        Http.Reply r = sendBytes(RECORDS, full, "gzip");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(app.get("/v1/sources/crm-1/records/person/gz-crc-good").status()).isEqualTo(200);
    }

    private static Http.Reply sendBytes(String path, byte[] body, String encoding) throws Exception {
        return sendBytes(path, body, "application/json", encoding);
    }

    private static Http.Reply sendBytes(String path, byte[] body, String contentType, String encoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + app.port() + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + CohortApp.TOKEN)
                .header("Content-Type", contentType);
        if (encoding != null) b.header("Content-Encoding", encoding);
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Http.Reply(r.statusCode(), r.body(), r.headers());
    }

    /**
     * NDJSON bytes that are not UTF-8 are refused as in a JSON body. They were decoded with U+FFFD
     * in their place: two ids sent in Latin-1, "ndjson-caf\u00e9" and "ndjson-caf\u00e8", were both
     * answered accepted and stored as one record "ndjson-caf\uFFFD", the other lost.
     */
    @Test
    void ndjsonThatIsNotUtf8IsA400NamingTheLineAndStoresNothing() throws Exception {
        long before = rows();
        byte[] latin1 = ("{\"type\":\"person\",\"id\":\"ndjson-ok\"}\n{\"type\":\"person\",\"id\":\"ndjson-caf\u00e9\"}\n"
                + "{\"type\":\"person\",\"id\":\"ndjson-caf\u00e8\"}\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertJsonError(sendBytes(RECORDS, latin1, "application/x-ndjson", null), 400, "line 2", "UTF-8");
        // A stray continuation byte, and a sequence cut at the end of the body.
        assertJsonError(sendBytes(RECORDS, new byte[] {'{', '"', (byte) 0x80, '"', ':', '1', '}'}, "application/x-ndjson", null), 400, "UTF-8");
        assertJsonError(sendBytes(RECORDS, concat("{\"type\":\"person\",\"id\":\"x\"}\n".getBytes(), new byte[] {(byte) 0xC3}),
                "application/x-ndjson", null), 400, "line 2", "UTF-8");
        assertThat(rows()).isEqualTo(before);
        assertThat(app.get("/v1/sources/crm-1/records/person/ndjson-ok").status()).isEqualTo(404);
        // The same records in UTF-8 are two records.
        byte[] utf8 = new String(latin1, java.nio.charset.StandardCharsets.ISO_8859_1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Http.Reply ok = sendBytes(RECORDS, utf8, "application/x-ndjson", null);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(rows()).isEqualTo(before + 3);
        for (String id : new String[] {"ndjson-caf\u00e9", "ndjson-caf\u00e8"}) {
            CohortApp.Response r = app.get("/v1/sources/crm-1/records/person?id=" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("record").path("id").asText()).isEqualTo(id);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void validateWithAMillionCharacterFileNameIsA4xx() {
        // Jetty answers after its request-line limit and closes while the client is still sending
        // the rest of the megabyte: the close can reach the client as a reset before it has read the
        // answer (seen once in a CI run on a busy machine). That is TCP, not the answer: ask again.
        Http.Reply r = null;
        for (int attempt = 1; r == null; attempt++) {
            try {
                r = send("POST", "/v1/rules/validate?file=" + "f".repeat(1_000_000) + ".drl", "text/plain",
                        HEADER + "rule \"x\" when then end\n");
            } catch (IllegalStateException e) {
                if (attempt == 3 || !String.valueOf(e.getCause()).contains("received no bytes")) throw e;
            }
        }
        assertThat(r.status()).as(r.toString()).isBetween(400, 499);
        assertThat(r.isJson()).as(r.toString()).isTrue();
        assertThat(r.json().get("message").asText()).isNotBlank();
    }

    /**
     * Jetty refuses an encoded control character in a path as it does an encoded '\': the answer
     * said "an encoded '\'" for a tab (%09) or DEL (%7F), only "Bad Request" for %00, and named no
     * character for an encoded '/' or '%' or escapes that are not UTF-8. It names
     * the character and where it is (for %00, which Jetty cannot parse at all and keeps no path of,
     * what Jetty says and what it may be), and how to read such an id.
     */
    @Test
    void aRefusedPathCharacterIsNamedWithItsPlace() {
        String base = "/v1/sources/crm-1/records/person/"; // 33 characters: the id's '%' is the 35th
        for (String method : new String[] {"GET", "DELETE"}) {
            for (String id : new String[] {"a%09b", "a%7Fb"}) {
                JsonNode e = assertJsonError(send(method, base + id, null, null), 400,
                        "an encoded control character (" + id.substring(1, 4) + ") at character 35", "as query parameters");
                assertThat(e.get("message").asText()).as(method + " " + id).doesNotContain("'\\'");
            }
            JsonNode e = assertJsonError(send(method, base + "a%5Cb", null, null), 400, "an encoded '\\' (%5C) at character 35",
                    "as query parameters");
            assertThat(e.get("message").asText()).as(method + " a%5Cb").doesNotContain("control");
            assertJsonError(send(method, base + "a%00b", null, null), 400, "Illegal character in path", "%00", "as query parameters");
            // Refusals whose message named nothing either.
            assertJsonError(send(method, base + "a%2Fb", null, null), 400, "an encoded '/' (%2F) at character 35", "as query parameters");
            assertJsonError(send(method, base + "a%25b", null, null), 400, "an encoded '%' (%25) at character 35", "as query parameters");
            assertJsonError(send(method, base + "%C3%A9%C3%28", null, null), 400, "escapes that are not UTF-8 (%C3%28) at character 40",
                    "as query parameters");
        }
    }

    /** Paths Jetty refuses before Jersey sees them answer JSON whatever the method, and a malformed id says what it is. */
    @Test
    void aRefusedPathIsAJsonErrorForEveryMethod() {
        for (String method : new String[] {"DELETE", "PUT", "PATCH", "GET"}) {
            for (String id : new String[] {"%2F", "%25", "%ff", "a%5Cb"}) {
                Http.Reply r = send(method, "/v1/sources/quarantine/" + id, null, null);
                assertThat(r.status()).as(method + " " + id + ": " + r).isBetween(400, 499);
                assertThat(r.isJson()).as(method + " " + id + ": " + r).isTrue();
                assertThat(r.json().path("message").asText()).as(method + " " + id).isNotBlank();
            }
        }
        assertJsonError(send("DELETE", "/v1/sources/quarantine/abc", null, null), 404, "'abc'", "quarantine ids are numbers");
        assertJsonError(send("DELETE", "/v1/sources/quarantine/99999999999999999999", null, null), 404, "quarantine ids are numbers");
        assertJsonError(send("DELETE", "/v1/sources/quarantine/12345", null, null), 404, "no quarantined record 12345");
    }

    @Test
    void validateRefusesFileNamesTheRulesDirectoryWouldNotLoad() {
        for (String file : new String[] {"/abs.drl", "a//b.drl", "./a.drl", "a/./b.drl", "a/../b.drl", ".drl", "a/.drl",
                "sub/", "a.drl/", ".hidden.drl", "~%24t.drl", "a%5Cb.drl", "a%00.drl", "a%09.drl", "a%E2%80%8B.drl", "sub./a.drl",
                "sub%20/a.drl", "x.DRL", "x.txt", "x.CSV", "y".repeat(300) + ".drl"}) {
            Http.Reply r = send("POST", "/v1/rules/validate?file=" + file, "text/plain", HEADER + "rule \"x\" when then end\n");
            assertJsonError(r, 400, "file");
        }
        // What people name files, as the rules directory loads them.
        for (String file : new String[] {"a.drl", "sub/a-b_c.1.drl", "x/y/z.drl", "-.drl", "a%20b.drl", "Q3%20(draft)%20%C3%A9.drl"}) {
            Http.Reply r = send("POST", "/v1/rules/validate?file=" + file, "text/plain", HEADER + "rule \"x\" when then end\n");
            assertThat(r.status()).as(file + ": " + r).isEqualTo(200);
        }
    }

    @Test
    void ruleFileWhoseRuleNameIsAMillionCharactersIsA422AtItsLine() {
        String name = "n".repeat(1_000_000);
        String drl = HEADER + "rule \"" + name + "\" @segment(\"long-name\") when $p : Person() "
                + "then insertLogical(new Qualified(\"long-name\", $p.id())); end\n";
        Http.Reply r = send("POST", "/v1/rules/validate?file=long.drl", "text/plain", drl);
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        // Over the file limit (1,000,000 characters) as a whole, so refused before any parsing.
        assertThat(r.json().get("messages").get(0).get("message").asText()).contains("limited to 1000000");
        assertThat(r.json().get("messages").get(0).get("file").asText()).isEqualTo("long.drl");
        assertThat(r.body()).hasSizeLessThan(10_000);
        // Preview takes JSON, whose strings may hold up to 1,000,000 characters: a 900,000-character name.
        String previewDrl = drl.replace(name, "n".repeat(900_000));
        Http.Reply p = send("POST", "/v1/rules/preview", "application/json",
                "{\"file\":\"long.drl\",\"drl\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(previewDrl) + "}");
        assertThat(p.status()).as(p.toString()).isEqualTo(422);
        assertThat(p.json().get("messages").get(0).get("message").asText()).contains("rule name");
        assertThat(p.json().get("messages").get(0).get("line").asInt()).isEqualTo(3);
        assertThat(app.get("/v1/rules").status()).isEqualTo(200);
        assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
    }
}
