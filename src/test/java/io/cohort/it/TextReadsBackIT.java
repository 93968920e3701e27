package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.UnifiedIds;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text is kept as UTF-8 (the database, the graph snapshot), which has no form for a lone UTF-16
 * surrogate: the JSON escape "\ud800" is valid JSON and Jackson reads it into a Java string. A
 * person sent with firstName "A\ud800B" was answered 200 and evaluated with that name, while
 * GET of the record answered "A?B" (H2 and PostgreSQL both store '?'), and after a restart, from
 * the snapshot or the store, the profile said "A?B" too: the record evaluated was not the one
 * read back. Now every text field refuses one, on every way in; other unusual text (format
 * characters, characters beyond U+FFFF) reads back exactly, also after a restart.
 */
class TextReadsBackIT {
    static final String GENERIC = "/v1/sources/generic/records";
    @TempDir static Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static Http.Reply post(String path, String contentType, String body) {
        return Http.api(app.port(), "POST", path, contentType, body);
    }

    static Http.Reply get(String path) { return Http.api(app.port(), "GET", path, null, null); }

    long rows() { return app.app().services().store().count(); }

    /** The 400's field errors as "index field: message". */
    static List<String> errors(Http.Reply r) {
        JsonNode body = Http.assertJsonError(r, 400);
        List<String> out = new java.util.ArrayList<>();
        body.path("errors").forEach(e -> out.add(e.get("index").asInt() + " " + e.get("field").asText() + ": " + e.get("message").asText()));
        return out;
    }

    /** {@code s} with every character outside ASCII as U+XXXX, so that a report shows what it holds. */
    static String visible(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(c < 0x80 ? String.valueOf((char) c) : String.format("<U+%04X>", c)));
        return b.toString();
    }

    @Test
    void aLoneSurrogateInAFirstNameIsA400NamingFieldAndPositionAndNothingIsStored() {
        long before = rows();
        String email = "lone.surrogate@text.example";
        Http.Reply r = post(GENERIC, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"LS-1\",\"email\":\""
                + email + "\",\"firstName\":\"A\\ud800B\"}]}");
        // Accepted, the graph evaluated one name and the store read back another.
        assertThat(r.status()).as(() -> "accepted: " + r + "; the profile evaluated firstName "
                + visible(get("/v1/profiles/" + UnifiedIds.personByEmail(email)).json().path("firstName").asText(null))
                + ", the store reads back " + visible(get(GENERIC + "/person/LS-1").json().path("record").path("firstName").asText(null)))
                .isEqualTo(400);
        assertThat(errors(r)).containsExactly("0 firstName: must not hold a lone UTF-16 surrogate: it has no UTF-8 form, and would be "
                + "stored as '?': U+D800 at character 2");
        assertThat(rows()).isEqualTo(before);
        assertThat(get(GENERIC + "/person/LS-1").status()).isEqualTo(404);
    }

    /** NDJSON, events, attributes, and each vendor's mapping reach the same check; nothing of a refused request is stored. */
    @Test
    void everyWayInRefusesALoneSurrogateNamingTheField() {
        long before = rows();
        Http.Reply ndjson = post(GENERIC, "application/x-ndjson", "{\"type\":\"person\",\"id\":\"LS-2\",\"title\":\"CTO\"}\n"
                + "{\"type\":\"person\",\"id\":\"LS-3\",\"attributes\":{\"tier\":\"\\udc00gold\"}}\n");
        assertThat(errors(ndjson)).singleElement().asString().startsWith("1 attributes.tier: must not hold a lone UTF-16 surrogate")
                .endsWith("U+DC00 at character 1");
        // In a name, Jackson's reader refuses any escaped surrogate before the parser sees it (RecordSchemaTest covers the parser's check).
        Http.Reply name = post(GENERIC, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"LS-4\","
                + "\"attributes\":{\"ti\\ud83der\":\"gold\"}}]}");
        Http.assertJsonError(name, 400, "surrogate");
        Http.Reply event = post(GENERIC, "application/json", "{\"records\":[{\"type\":\"event\",\"id\":\"LS-E\",\"personId\":\"LS-2\","
                + "\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"2026-11-20T10:15:00Z\",\"url\":\"https://x.example/\\udfff\"}]}");
        assertThat(errors(event)).singleElement().asString().startsWith("0 url: ").endsWith("U+DFFF at character 19");

        Http.Reply lead = post("/v1/sources/marketo-1/native/leads", "application/json",
                "{\"success\":true,\"result\":[{\"id\":77,\"email\":\"ls@x.example\",\"firstName\":\"Zo\\ud800\"}]}");
        assertThat(errors(lead)).singleElement().asString().startsWith("0 firstName: ").endsWith("U+D800 at character 3");
        Http.Reply activity = post("/v1/sources/marketo-1/native/activities", "application/json", "{\"success\":true,\"result\":[{"
                + "\"marketoGUID\":\"LS-A\",\"leadId\":77,\"activityDate\":\"2026-11-20T10:15:00Z\",\"activityTypeId\":11,"
                + "\"attributes\":[{\"name\":\"Device\",\"value\":\"Desk\\udc00top\"}]}]}");
        assertThat(errors(activity)).singleElement().asString().startsWith("0 attributes.device: ").endsWith("U+DC00 at character 5");
        Http.Reply contact = post("/v1/sources/crm-1/native/query", "application/json", "{\"totalSize\":1,\"done\":true,\"records\":[{"
                + "\"attributes\":{\"type\":\"Contact\"},\"Id\":\"003LS\",\"Email\":\"c@x.example\",\"LastName\":\"N\\ud800\"}]}");
        assertThat(errors(contact)).singleElement().asString().startsWith("0 lastName: ").endsWith("U+D800 at character 2");
        Http.Reply link = post("/v1/sources/mdm/native/crossReferences", "application/json", "{\"entities\":[{\"mdmId\":\"LS-M\","
                + "\"name\":\"Acme\\ud800\",\"members\":[{\"system\":\"crm-1\",\"recordId\":\"a\"},{\"system\":\"crm-2\",\"recordId\":\"b\"}]}]}");
        assertThat(errors(link)).singleElement().asString().startsWith("0 name: ").endsWith("U+D800 at character 5");
        assertThat(rows()).isEqualTo(before);
    }

    /**
     * Format characters belong in names (U+200D joins emoji, U+200F and U+2067..U+2069 mark
     * right-to-left text), and characters beyond U+FFFF are a surrogate pair: all are accepted and
     * read back as sent from the store, from the graph, and from both after a restart.
     */
    @Test
    void unusualTextThatIsWellFormedReadsBackAsSentAlsoAfterARestart() throws Exception {
        String first = "\uD83D\uDC69\u200D\uD83D\uDCBB Dana";
        String last = "\u200F\u05DB\u05D4\u05DF";
        String title = "\u2067\u0645\u062F\u064A\u0631\u2069 Ops\u00ADLead";
        String email = "well.formed@text.example";
        Http.Reply ok = post(GENERIC, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"WF-1\",\"email\":\"" + email
                + "\",\"firstName\":\"\\ud83d\\udc69\\u200d\\ud83d\\udcbb Dana\",\"lastName\":\"" + last + "\",\"title\":\"" + title
                + "\",\"attributes\":{\"\uD801\uDC00\":\"\\udbff\\udfff\"}}]}"); // a name as UTF-8: Jackson refuses escaped pairs in names
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        app.settle();
        String profile = "/v1/profiles/" + UnifiedIds.personByEmail(email);
        for (int start = 0; start < 2; start++) {
            JsonNode stored = get(GENERIC + "/person/WF-1").json().path("record");
            JsonNode held = get(profile).json();
            for (JsonNode p : List.of(stored, held)) {
                assertThat(visible(p.path("firstName").asText())).as("start %d: %s", start, p).isEqualTo(visible(first));
                assertThat(visible(p.path("lastName").asText())).isEqualTo(visible(last));
                assertThat(visible(p.path("title").asText())).isEqualTo(visible(title));
                assertThat(visible(p.path("attributes").path("\uD801\uDC00").asText())).isEqualTo(visible("\uDBFF\uDFFF"));
            }
            if (start == 0) {
                app.stop();
                app = new CohortApp(tmp).start(); // the graph read from the snapshot a clean stop wrote
            }
        }
    }
}
