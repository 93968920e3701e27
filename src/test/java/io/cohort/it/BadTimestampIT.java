package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 10: instants and dates outside the years 1900–2200 are 400s naming the field, for
 * canonical records (JSON and NDJSON) and every native endpoint that carries one. An event of year
 * +300000000 was answered 500 after its batch was committed, and every later start failed.
 */
class BadTimestampIT {
    static final String FAR = "+300000000-01-01T00:00:00Z";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static long rows() { return app.app().services().store().count(); }

    static String event(String id, String timestamp) {
        return "{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"p\",\"eventType\":\"web.webpagedetails.pageViews\","
                + "\"timestamp\":\"" + timestamp + "\"}";
    }

    /** The batch is refused with a field error on record {@code index} naming {@code field}, and nothing is stored. */
    static void refused(CohortApp.Response r, int index, String field, long rowsBefore) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        JsonNode errors = r.json().get("errors");
        assertThat(errors).as(r.toString()).anySatisfy(e -> {
            assertThat(e.get("index").asInt()).isEqualTo(index);
            assertThat(e.get("field").asText()).isEqualTo(field);
            assertThat(e.get("message").asText()).contains("1900").contains("2200");
        });
        assertThat(rows()).as("nothing of the refused batch is stored").isEqualTo(rowsBefore);
    }

    @Test
    void eventTimestampInYear300000000IsA400AndNothingStored() throws Exception {
        long before = rows();
        long batch = app.app().services().store().lastBatchSeq();
        refused(app.post("/v1/sources/generic/records", "application/json", "{\"records\":[{\"type\":\"person\",\"id\":\"ok\"},"
                + event("far", FAR) + "]}"), 1, "timestamp", before);
        refused(app.post("/v1/sources/generic/records", "application/x-ndjson", "{\"type\":\"person\",\"id\":\"ok\"}\n"
                + event("far", FAR) + "\n"), 1, "timestamp", before);
        assertThat(app.app().services().store().lastBatchSeq()).isEqualTo(batch);
        assertThat(app.get("/v1/sources/generic/records/event/far").status()).isEqualTo(404);
        // The service stays healthy and starts again (the bad event used to stop every start).
        assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
        app.stop();
        app.start();
        assertThat(app.get("/v1/sources").status()).isEqualTo(200);
    }

    /** {@code record} dated 30 hours ahead of {@code now}, or in 2200, after a good one: a 400 naming it (index 1) and {@code field}. */
    static void refusedAhead(java.time.Instant now, java.util.function.UnaryOperator<String> record, String field) {
        for (String ahead : new String[] {now.plus(java.time.Duration.ofHours(30)).toString(), "2200-01-01T00:00:00Z"}) {
            CohortApp.Response r = app.post("/v1/sources/generic/records", "application/json", "{\"records\":[{\"type\":\"person\","
                    + "\"id\":\"p-ahead\"}," + record.apply(ahead) + "]}");
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.json().get("errors")).as(r.toString()).singleElement().satisfies(e -> {
                assertThat(e.get("index").asInt()).isEqualTo(1);
                assertThat(e.get("field").asText()).isEqualTo(field);
                assertThat(e.get("message").asText()).contains("is " + ahead, "more than 24 hours after now", "clock or time zone");
            });
        }
    }

    /**
     * Page views a source dated 2200 (a wrong clock or time zone) put a person in "viewed in the
     * last 30 days" segments until 2200, when windows had no end. An event more than a day ahead is
     * refused, canonical or native; one a few hours ahead (clock skew) is taken, and counts from its
     * own time (FutureEventsIT).
     */
    @Test
    void anEventDatedMoreThanADayAheadIsA400AndOneWithinADayIsTaken() {
        long before = rows();
        java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        refusedAhead(now, ahead -> event("ahead", ahead), "timestamp");
        CohortApp.Response mkto = app.post("/v1/sources/marketo-1/native/activities", "application/json", """
                {"requestId":"x","success":true,"result":[
                  {"id":7,"marketoGUID":"g-7","leadId":1002,"activityDate":"2200-01-01T00:00:00Z","activityTypeId":1}]}""");
        assertThat(mkto.status()).as(mkto.toString()).isEqualTo(400);
        assertThat(mkto.json().get("errors").get(0).get("field").asText()).isEqualTo("timestamp");
        assertThat(rows()).as("nothing of the refused batches").isEqualTo(before);

        CohortApp.Response skewed = app.post("/v1/sources/generic/records", "application/json", "{\"records\":["
                + event("skewed", now.plus(java.time.Duration.ofHours(6)).toString()) + "]}");
        assertThat(skewed.status()).as(skewed.toString()).isEqualTo(200);
    }

    /**
     * Rules read a deal's createdDate as they read an event's time ({@code createdDate >
     * $now.daysAgo(30)}): a deal "created" in 2200 was new for 175 years. One created more than a
     * day ahead is refused, canonical or native (Salesforce CreatedDate, Marketo createdAt); one a
     * few hours ahead (clock skew) is taken.
     */
    @Test
    void aDealCreatedMoreThanADayAheadIsA400AndOneWithinADayIsTaken() {
        long before = rows();
        java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        refusedAhead(now, ahead -> "{\"type\":\"opportunity\",\"id\":\"o-ahead\",\"createdDate\":\"" + ahead + "\"}", "createdDate");
        CohortApp.Response sfdc = app.post("/v1/sources/crm-1/native/query", "application/json", """
                {"totalSize":2,"done":true,"records":[{"attributes":{"type":"Opportunity"},"Id":"006OK","Name":"N"},
                 {"attributes":{"type":"Opportunity"},"Id":"006AHEAD","Name":"N","CreatedDate":"2200-01-01T00:00:00.000+0000"}]}""");
        assertThat(sfdc.status()).as(sfdc.toString()).isEqualTo(400);
        assertThat(sfdc.json().get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(sfdc.json().get("errors").get(0).get("field").asText()).isEqualTo("createdDate");
        CohortApp.Response mkto = app.post("/v1/sources/marketo-1/native/opportunities", "application/json", """
                {"requestId":"x","success":true,"result":[{"seq":0,"marketoGUID":"m-ahead","name":"N","createdAt":"2200-01-01T00:00:00Z"}]}""");
        assertThat(mkto.status()).as(mkto.toString()).isEqualTo(400);
        assertThat(mkto.json().get("errors").get(0).get("field").asText()).isEqualTo("createdDate");
        assertThat(rows()).as("nothing of the refused batches").isEqualTo(before);

        String skewed = now.plus(java.time.Duration.ofHours(6)).toString();
        CohortApp.Response taken = app.post("/v1/sources/generic/records", "application/json",
                "{\"records\":[{\"type\":\"opportunity\",\"id\":\"o-skewed\",\"createdDate\":\"" + skewed + "\"}]}");
        assertThat(taken.status()).as(taken.toString()).isEqualTo(200);
        assertThat(app.get("/v1/sources/generic/records/opportunity/o-skewed").json().get("record").get("createdDate").asText())
                .isEqualTo(skewed);
    }

    @Test
    void marketoActivityDateInYear300000000IsA400NamingTheField() {
        long before = rows();
        CohortApp.Response r = app.post("/v1/sources/marketo-1/native/activities", "application/json", """
                {"requestId":"x","success":true,"result":[
                  {"id":1,"marketoGUID":"g-1","leadId":1002,"activityDate":"2026-11-20T10:15:00Z","activityTypeId":1},
                  {"id":2,"marketoGUID":"g-2","leadId":1002,"activityDate":"%s","activityTypeId":1}]}""".formatted(FAR));
        refused(r, 1, "timestamp", before);
        r = app.post("/v1/sources/marketo-1/native/activities", "application/json", """
                {"requestId":"x","success":true,"result":[
                  {"id":3,"marketoGUID":"g-3","leadId":1002,"activityDate":"1899-12-31T23:59:59+0000","activityTypeId":1}]}""");
        refused(r, 0, "timestamp", before);
    }

    @Test
    void datesOutsideTheYears1900To2200AreRefusedOnEveryEndpoint() {
        long before = rows();
        for (String t : new String[] {"1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "-000001-01-01T00:00:00Z",
                "+10000-01-01T00:00:00Z", "2200-12-31T23:30:00-01:00"}) {
            refused(app.post("/v1/sources/generic/records", "application/json", "{\"records\":[" + event("e", t) + "]}"), 0,
                    "timestamp", before);
        }
        for (String d : new String[] {"1899-12-31", "2201-01-01", "+300000000-01-01", FAR}) {
            refused(app.post("/v1/sources/generic/records", "application/json",
                    "{\"records\":[{\"type\":\"opportunity\",\"id\":\"o\",\"closeDate\":\"" + d + "\"}]}"), 0, "closeDate", before);
        }
        refused(app.post("/v1/sources/marketo-1/native/opportunities", "application/json", """
                {"requestId":"x","success":true,"result":[{"seq":0,"marketoGUID":"m-o","name":"N","closeDate":"2201-01-01"}]}"""),
                0, "closeDate", before);
        refused(app.post("/v1/sources/crm-1/native/query", "application/json", """
                {"totalSize":1,"done":true,"records":[{"attributes":{"type":"Opportunity"},"Id":"006X","AccountId":"001X",
                 "Name":"N","CloseDate":"+300000000-06-30"}]}"""), 0, "closeDate", before);
    }

    /**
     * The first and last instants java.time holds, and 24:00: closeDate read instants with
     * Instant.parse, which takes all three, and reducing the edges to a date threw (a 500 with a
     * stack trace, on /records and through both vendor mappers). Now the same rule as timestamp.
     */
    @Test
    void closeDateAtTheEdgesOfInstantOrAt2400IsA400OnEveryEndpoint() {
        long before = rows();
        for (String edge : new String[] {"-1000000000-01-01T00:00:00Z", "+1000000000-12-31T23:59:59.999999999Z"}) {
            refused(app.post("/v1/sources/generic/records", "application/json", "{\"records\":[{\"type\":\"opportunity\",\"id\":\"ok\"},"
                    + "{\"type\":\"opportunity\",\"id\":\"FZ-O\",\"closeDate\":\"" + edge + "\"}]}"), 1, "closeDate", before);
            refused(app.post("/v1/sources/marketo-1/native/opportunities", "application/json", """
                    {"requestId":"x","success":true,"result":[{"seq":0,"marketoGUID":"m-ok","name":"N","closeDate":"2026-06-30"},
                     {"seq":1,"marketoGUID":"m-o","name":"N","closeDate":"%s"}]}""".formatted(edge)), 1, "closeDate", before);
            refused(app.post("/v1/sources/crm-1/native/query", "application/json", """
                    {"totalSize":2,"done":true,"records":[{"attributes":{"type":"Opportunity"},"Id":"006OK","Name":"N","CloseDate":"2026-06-30"},
                     {"attributes":{"type":"Opportunity"},"Id":"006X","AccountId":"001X","Name":"N","CloseDate":"%s"}]}""".formatted(edge)),
                    1, "closeDate", before);
        }
        refused(app.post("/v1/sources/generic/records", "application/json", "{\"records\":[{\"type\":\"opportunity\",\"id\":\"ok\"},"
                + "{\"type\":\"opportunity\",\"id\":\"o24\",\"closeDate\":\"2026-11-20T24:00:00Z\"}]}"), 1, "closeDate", before);
        assertThat(app.get("/v1/sources/generic/records/opportunity/ok").status()).isEqualTo(404);
        assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
    }

    @Test
    void theYears1900To2200AreAcceptedToTheirEdges() {
        CohortApp.Response r = app.post("/v1/sources/generic/records", "application/json", "{\"records\":["
                // An event's or a deal's creation's latest time is a day after now
                // (anEventDatedMoreThanADayAheadIsA400AndOneWithinADayIsTaken, aDealCreatedMoreThanADayAhead…).
                + event("first", "1900-01-01T00:00:00Z") + ","
                + "{\"type\":\"opportunity\",\"id\":\"o0\",\"createdDate\":\"1900-01-01T00:00:00Z\"},"
                + "{\"type\":\"opportunity\",\"id\":\"o1\",\"closeDate\":\"1900-01-01\"},"
                + "{\"type\":\"opportunity\",\"id\":\"o2\",\"closeDate\":\"2200-12-31\"},"
                // Instants are taken as their UTC date (the Marketo mapper sends vendor datetimes so), to the same edges.
                + "{\"type\":\"opportunity\",\"id\":\"o3\",\"closeDate\":\"2200-12-31T23:59:59.999Z\"},"
                + "{\"type\":\"opportunity\",\"id\":\"o4\",\"closeDate\":\"2026-06-30T23:30:00-01:00\"}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(app.get("/v1/sources/generic/records/opportunity/o0").json().get("record").get("createdDate").asText())
                .isEqualTo("1900-01-01T00:00:00Z");
        assertThat(app.get("/v1/sources/generic/records/opportunity/o3").json().get("record").get("closeDate").asText())
                .isEqualTo("2200-12-31");
        assertThat(app.get("/v1/sources/generic/records/opportunity/o4").json().get("record").get("closeDate").asText())
                .isEqualTo("2026-07-01");
    }
}
