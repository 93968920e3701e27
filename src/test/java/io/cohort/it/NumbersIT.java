package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Numbers past a double's range or precision: read as doubles, 1e400 was stored as the attribute
 * (or id) "Infinity", 1e-400 as an amount of 0, 12345678.9 as "1.23456789E7", and "0x10" or "12d"
 * were taken as amounts. A number field refuses what it cannot hold (400 naming record and field,
 * nothing of the batch stored); free-form text keeps the number's exact value; ids take whole
 * numbers only. The same through canonical JSON, NDJSON and the vendors' native payloads.
 */
class NumbersIT {
    static final String RECORDS = "/v1/sources/generic/records";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static Http.Reply post(String path, String contentType, String body) {
        return Http.api(app.port(), "POST", path, contentType, body);
    }

    static JsonNode record(String source, String type, String key) {
        Http.Reply r = Http.api(app.port(), "GET", "/v1/sources/" + source + "/records/" + type + "/" + key, null, null);
        assertThat(r.status()).as(key + ": " + r).isEqualTo(200);
        return r.json().get("record");
    }

    long rows() { return app.app().services().store().count(); }

    /** [a valid person, {@code bad}] as a JSON batch and as NDJSON: each a 400 naming record 1 and {@code field}, nothing stored. */
    void refused(String bad, String field, String messagePart) {
        for (boolean ndjson : new boolean[] {false, true}) {
            long before = rows();
            String valid = "{\"type\":\"person\",\"id\":\"ok-" + java.util.UUID.randomUUID() + "\"}";
            Http.Reply r = ndjson ? post(RECORDS, "application/x-ndjson", valid + "\n" + bad + "\n")
                    : post(RECORDS, "application/json", "{\"records\":[" + valid + "," + bad + "]}");
            JsonNode body = Http.assertJsonError(r, 400);
            assertThat(body.path("errors")).as(bad + " " + r).hasSize(1);
            JsonNode e = body.path("errors").get(0);
            assertThat(e.get("index").asInt()).as(r.toString()).isEqualTo(1);
            assertThat(e.get("field").asText()).as(r.toString()).isEqualTo(field);
            assertThat(e.get("message").asText()).as(r.toString()).contains(messagePart);
            assertThat(rows()).as(bad).isEqualTo(before);
        }
    }

    /**
     * attrNumber reads decimal numbers and nothing else: Double.parseDouble's own forms ("NaN",
     * "Infinity", "12d", "0x1p3") read as NaN, Infinity, 12 and 8, against "0 when not numeric".
     * A decimal past a double's range (kept as text "1E+400") is larger than any threshold.
     */
    @Test
    void attrNumberReadsDecimalNumbersOnly() throws Exception {
        String[][] people = {{"an-big", "1e400"}, {"an-plain", "\"75\""}, {"an-exp", "\"7.5e1\""}, {"an-low", "12"},
                {"an-nan", "\"NaN\""}, {"an-inf", "\"Infinity\""}, {"an-suffix", "\"75d\""}, {"an-hex", "\"0x1p7\""}};
        StringBuilder batch = new StringBuilder("{\"records\":[");
        for (String[] p : people) {
            batch.append(batch.length() > 12 ? "," : "").append("{\"type\":\"person\",\"id\":\"").append(p[0])
                    .append("\",\"email\":\"").append(p[0]).append("@numbers.example\",\"attributes\":{\"score\":").append(p[1]).append("}}");
        }
        Http.Reply stored = post(RECORDS, "application/json", batch.append("]}").toString());
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        String drl = """
                package cohort.segments;
                import io.cohort.model.*;
                rule "Scored above 50" @segment("scored")
                when
                    $p : Person(email != null, email.endsWith("@numbers.example"), attrNumber("score") > 50)
                then
                    insertLogical(new Qualified("scored", $p.id()));
                end
                """;
        String body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("file", "scored.drl").put("drl", drl)
                .put("sample", 20).toString();
        Http.Reply r = post("/v1/rules/preview", "application/json", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        java.util.List<String> emails = new java.util.ArrayList<>();
        r.json().get("segments").get(0).get("sample").forEach(m -> emails.add(m.get("email").asText()));
        assertThat(emails).as(r.toString()).containsExactlyInAnyOrder("an-big@numbers.example", "an-plain@numbers.example",
                "an-exp@numbers.example");
    }

    @Test
    void aNumberFieldRefusesWhatADoubleCannotHoldAndJavaOnlyNumbers() {
        for (String v : new String[] {"1e400", "\"1e400\"", "1.5e309", "\"123" + "0".repeat(320) + "\""}) {
            refused("{\"type\":\"account\",\"id\":\"n-a\",\"annualRevenue\":" + v + "}", "annualRevenue", "past the largest number");
            refused("{\"type\":\"opportunity\",\"id\":\"n-o\",\"amount\":" + v + "}", "amount", "past the largest number");
        }
        refused("{\"type\":\"opportunity\",\"id\":\"n-o\",\"amount\":1e-400}", "amount", "too close to 0");
        refused("{\"type\":\"opportunity\",\"id\":\"n-o\",\"amount\":\"4.9e-325\"}", "amount", "too close to 0");
        refused("{\"type\":\"opportunity\",\"id\":\"n-o\",\"amount\":-1e400}", "amount", "negative");
        // Double.parseDouble's own forms: hex, type suffixes, NaN and Infinity are no decimal numbers.
        for (String v : new String[] {"0x10", "12d", "12f", "NaN", "Infinity", "-Infinity", "0x1p3"}) {
            refused("{\"type\":\"account\",\"id\":\"n-a\",\"annualRevenue\":\"" + v + "\"}", "annualRevenue", "decimal number");
        }
        for (String v : new String[] {"1e400", "\"1e400\"", "1e19", "99999999999999999999999", "\"1e2147483647\""}) {
            refused("{\"type\":\"account\",\"id\":\"n-a\",\"employees\":" + v + "}", "employees", "whole number");
        }
        assertThat(Http.api(app.port(), "GET", RECORDS + "/account/n-a", null, null).status()).isEqualTo(404);
        // The edges themselves are numbers: the largest and smallest a double holds, and text with an exponent.
        Http.Reply ok = post(RECORDS, "application/json", "{\"records\":[{\"type\":\"account\",\"id\":\"n-max\",\"annualRevenue\":1.7976931348623157e308,"
                + "\"employees\":\"1.2e3\"},{\"type\":\"opportunity\",\"id\":\"n-min\",\"amount\":\"4.9e-324\"}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(record("generic", "account", "n-max").get("annualRevenue").asDouble()).isEqualTo(Double.MAX_VALUE);
        assertThat(record("generic", "account", "n-max").get("employees").asLong()).isEqualTo(1200);
        assertThat(record("generic", "opportunity", "n-min").get("amount").asDouble()).isEqualTo(Double.MIN_VALUE);
    }

    /**
     * A number past the parser's 100 characters was refused by Jackson's StreamReadConstraints with
     * a 400 naming no record and no field ("JSON exceeds a parser limit: Number value length (101)
     * …"): the sender of a batch of 500 could not tell which record. It names them now, as the
     * other number errors do.
     */
    @Test
    void aNumberLongerThanTheParserReadsIsA400NamingRecordAndField() {
        String digits = "1".repeat(101);
        refused("{\"type\":\"person\",\"id\":\"n-long\",\"attributes\":{\"score\":" + digits + "}}",
                "attributes.score", "a number of 101 characters");
        refused("{\"type\":\"opportunity\",\"id\":\"n-long\",\"amount\":1." + digits + "}", "amount", "102 characters");
        refused("{\"type\":\"account\",\"id\":\"n-long\",\"sameAs\":{\"source\":\"crm-1\",\"id\":-" + digits + "}}",
                "sameAs.id", "send a value that long as a JSON string");
        Http.Reply r = post(RECORDS, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"n-l\",\n\"attributes\":{\"s\":[1,"
                + digits + "]}}]}");
        JsonNode body = Http.assertJsonError(r, 400);
        assertThat(body.get("message").asText()).as(r.toString()).contains("line 2").contains("attributes.s[1]").contains("record 0");
        assertThat(body.path("errors").get(0).get("field").asText()).isEqualTo("attributes.s[1]");

        long before = rows();
        Http.Reply leads = post("/v1/sources/marketo-1/native/leads", "application/json",
                "{\"success\":true,\"result\":[{\"id\":7101},{\"id\":7102,\"leadScore\":" + digits + "}]}");
        JsonNode e = Http.assertJsonError(leads, 400).path("errors").get(0);
        assertThat(e.get("index").asInt()).as(leads.toString()).isEqualTo(1);
        assertThat(e.get("field").asText()).isEqualTo("result[1].leadScore");
        Http.Reply query = post("/v1/sources/crm-2/native/query", "application/json", "{\"totalSize\":1,\"done\":true,\"records\":["
                + "{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001L1\",\"Score__c\":" + digits + "}]}");
        e = Http.assertJsonError(query, 400).path("errors").get(0);
        assertThat(e.get("index").asInt()).as(query.toString()).isEqualTo(0);
        assertThat(e.get("field").asText()).isEqualTo("records[0].Score__c");
        assertThat(rows()).isEqualTo(before);
    }

    /** Sent value → the text kept. */
    static final Map<String, String> KEPT = new LinkedHashMap<>();

    static {
        KEPT.put("1e400", "1E+400");
        KEPT.put("-1e400", "-1E+400");
        KEPT.put("1e-400", "1E-400");
        KEPT.put("0.10000000000000000001", "0.10000000000000000001");
        KEPT.put("12345678.9", "12345678.9");
        KEPT.put("1.10", "1.10");
        KEPT.put("0.0000001", "0.0000001");
        KEPT.put("123456789012345678901234567890", "123456789012345678901234567890");
        KEPT.put("\"1e400\"", "1e400");
    }

    static String attributes() {
        StringBuilder b = new StringBuilder("{");
        int i = 0;
        for (String v : KEPT.keySet()) b.append(i == 0 ? "" : ",").append("\"a").append(i++).append("\":").append(v);
        return b.append("}").toString();
    }

    static void assertKept(JsonNode attributes) {
        int i = 0;
        for (var e : KEPT.entrySet()) assertThat(attributes.path("a" + i++).asText()).as(e.getKey()).isEqualTo(e.getValue());
    }

    @Test
    void numbersInAttributesAndTextKeepTheirExactValue() {
        Http.Reply json = post(RECORDS, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"n-p1\",\"title\":1e400,"
                + "\"attributes\":" + attributes() + "}]}");
        assertThat(json.status()).as(json.toString()).isEqualTo(200);
        Http.Reply ndjson = post(RECORDS, "application/x-ndjson", "{\"type\":\"person\",\"id\":\"n-p2\",\"attributes\":" + attributes() + "}\n");
        assertThat(ndjson.status()).as(ndjson.toString()).isEqualTo(200);
        assertKept(record("generic", "person", "n-p1").get("attributes"));
        assertKept(record("generic", "person", "n-p2").get("attributes"));
        assertThat(record("generic", "person", "n-p1").get("title").asText()).isEqualTo("1E+400");
    }

    @Test
    void anIdSentAsANumberWithAFractionOrExponentIsA400() {
        refused("{\"type\":\"person\",\"id\":1e400}", "id", "whole number such as 1002");
        refused("{\"type\":\"person\",\"id\":1.0}", "id", "whole number such as 1002");
        refused("{\"type\":\"event\",\"id\":\"n-e\",\"personId\":1e3,\"eventType\":\"t\",\"timestamp\":\"2026-11-02T10:15:00Z\"}",
                "personId", "whole number");
        refused("{\"type\":\"account\",\"id\":\"n-s\",\"sameAs\":{\"source\":\"crm-1\",\"id\":2.5}}", "sameAs.id", "whole number");
        Http.Reply ok = post(RECORDS, "application/json", "{\"records\":[{\"type\":\"person\",\"id\":123456789012345678901234567890}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(record("generic", "person", "123456789012345678901234567890").get("id").asText())
                .isEqualTo("123456789012345678901234567890");
    }

    @Test
    void nativeVendorPayloadsReadNumbersTheSameWay() {
        Http.Reply leads = post("/v1/sources/marketo-1/native/leads", "application/json",
                "{\"success\":true,\"result\":[{\"id\":7001,\"email\":\"n1@example.com\",\"leadScore\":1e400,\"rating\":4.50}]}");
        assertThat(leads.status()).as(leads.toString()).isEqualTo(200);
        JsonNode lead = record("marketo-1", "person", "7001").get("attributes");
        assertThat(lead.get("leadScore").asText()).isEqualTo("1E+400");
        assertThat(lead.get("rating").asText()).isEqualTo("4.50");

        long before = rows();
        Http.Reply companies = post("/v1/sources/marketo-1/native/companies", "application/json",
                "{\"success\":true,\"result\":[{\"externalCompanyId\":\"N-C\",\"company\":\"N\",\"numberOfEmployees\":1e400}]}");
        assertThat(Http.assertJsonError(companies, 400).path("errors").get(0).get("field").asText()).isEqualTo("employees");

        Http.Reply accounts = post("/v1/sources/crm-2/native/query", "application/json", "{\"totalSize\":2,\"done\":true,\"records\":["
                + "{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001N1\",\"Name\":\"N1\",\"Score__c\":1e400},"
                + "{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001N2\",\"Name\":\"N2\",\"AnnualRevenue\":1e400}]}");
        JsonNode e = Http.assertJsonError(accounts, 400).path("errors").get(0);
        assertThat(e.get("index").asInt()).isEqualTo(1);
        assertThat(e.get("field").asText()).isEqualTo("annualRevenue");
        assertThat(rows()).isEqualTo(before);
        Http.Reply one = post("/v1/sources/crm-2/native/query", "application/json", "{\"totalSize\":1,\"done\":true,\"records\":["
                + "{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001N1\",\"Name\":\"N1\",\"Score__c\":1e400}]}");
        assertThat(one.status()).as(one.toString()).isEqualTo(200);
        assertThat(record("crm-2", "account", "001N1").get("attributes").get("Score__c").asText()).isEqualTo("1E+400");
    }
}
