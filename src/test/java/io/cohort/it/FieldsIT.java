package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Field discovery over HTTP on the running app with a real database: the Bodea data (two CRM
 * opportunities "Closed Won"), plus records carrying what analysts asked for and the ingest used
 * to refuse as unknown fields: an opportunity's createdDate and attributes on opportunities,
 * contact roles and campaign members.
 */
class FieldsIT {
    @TempDir static Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp).start();
        BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2");
        var r = app.post("/v1/sources/generic/records", "application/json", """
                {"records":[
                 {"type":"opportunity","id":"006-N1","name":"Fleet","stage":"Prospecting","isClosed":false,
                  "createdDate":"2026-11-15T09:30:00Z","attributes":{"Type":"New Business","LeadSource":"Web"}},
                 {"type":"opportunity","id":"006-N2","name":"Renewal","stage":"Prospecting","isClosed":false,
                  "attributes":{"Type":"Existing Business"}},
                 {"type":"opportunity","id":"006-N3","name":"Pilot","stage":"Qualification","isClosed":false,
                  "attributes":{"Type":"New Business"}},
                 {"type":"person","id":"003-N1","email":"n1@example.com"},
                 {"type":"opportunityPerson","opportunityId":"006-N1","personId":"003-N1","role":"Champion",
                  "attributes":{"IsPrimary":true}},
                 {"type":"campaign","id":"701-N","name":"Summit","campaignType":"Conference","attributes":{"IsActive":false}},
                 {"type":"campaignMember","campaignId":"701-N","personId":"003-N1","status":"Attended",
                  "attributes":{"HasResponded":true}}
                ]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    @Test
    void everyFactTypeWithItsFieldsTypesDescriptionsAndHelpers() {
        var r = app.get("/v1/fields");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        Map<String, JsonNode> types = new LinkedHashMap<>();
        r.json().get("types").forEach(t -> types.put(t.get("name").asText(), t));
        assertThat(types).containsKeys("Person", "Account", "AccountPerson", "Opportunity", "OpportunityPerson", "Activity",
                "Campaign", "CampaignMember", "MarketingList", "MarketingListMember", "Now", "Qualified", "Event");
        JsonNode created = field(types.get("Opportunity"), "createdDate");
        assertThat(created.get("type").asText()).isEqualTo("Instant");
        assertThat(created.get("description").asText()).contains("created");
        assertThat(field(types.get("Opportunity"), "accountId").get("joins").asText()).isEqualTo("account");
        for (String t : new String[] {"Person", "Account", "AccountPerson", "Opportunity", "OpportunityPerson", "Campaign",
                "CampaignMember", "MarketingList", "MarketingListMember", "Event"}) {
            assertThat(field(types.get(t), "attributes").get("type").asText()).as(t).isEqualTo("Map<String, String>");
        }
        types.values().forEach(t -> t.get("fields").forEach(f -> assertThat(f.get("description").asText())
                .as(t.get("name").asText() + "." + f.get("name").asText() + " is described").isNotBlank()));
        assertThat(types.get("Activity").get("helpers").findValuesAsText("signature")).contains("viewed(String, Instant)",
                "count(String, Instant)");
        assertThat(types.get("CampaignMember").get("helpers").findValuesAsText("signature")).contains("attr(String)");
        assertThat(r.json().get("countable").toString()).contains("Opportunity.stage", "Event.eventType", "Campaign.type");
    }

    @Test
    void valuesMostFrequentFirstWithCountsAndANewBatchCounted() {
        JsonNode stages = values("Opportunity.stage");
        assertThat(stages.get("recordType").asText()).isEqualTo("opportunity");
        assertThat(counts(stages)).containsExactly(Map.entry("Closed Won", 2L), Map.entry("Prospecting", 2L),
                Map.entry("Qualification", 1L));
        assertThat(counts(values("Opportunity.attributes.Type")))
                .containsExactly(Map.entry("New Business", 2L), Map.entry("Existing Business", 1L));
        JsonNode names = values("Opportunity.attributes");
        assertThat(counts(names)).containsExactly(Map.entry("Type", 3L), Map.entry("LeadSource", 1L));
        assertThat(names.get("missing").asLong()).isEqualTo(names.get("records").asLong() - 3);
        assertThat(counts(values("CampaignMember.attributes.HasResponded"))).containsExactly(Map.entry("true", 1L));
        assertThat(counts(values("OpportunityPerson.attributes.IsPrimary"))).containsExactly(Map.entry("true", 1L));
        assertThat(counts(values("Campaign.type"))).containsEntry("Conference", 1L);
        assertThat(counts(values("Event.eventType"))).containsKey("web.webpagedetails.pageViews");

        var one = app.get("/v1/fields/Opportunity.stage/values?limit=1");
        assertThat(one.json().get("values")).hasSize(1);
        assertThat(one.json().get("distinct").asInt()).isEqualTo(3);

        var r = app.post("/v1/sources/generic/records", "application/json", """
                {"records":[{"type":"opportunity","id":"006-N4","stage":"Closed Won","isWon":true,"isClosed":true}]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(counts(values("Opportunity.stage"))).containsEntry("Closed Won", 3L);
    }

    @Test
    void unknownTypesAndFieldsAreJson404sThatSuggest() {
        var type = app.get("/v1/fields/Oportunity.stage/values");
        assertThat(type.status()).as(type.toString()).isEqualTo(404);
        assertThat(type.json().get("message").asText()).contains("unknown fact type 'Oportunity'", "did you mean 'Opportunity'");
        var field = app.get("/v1/fields/Opportunity.stag/values");
        assertThat(field.status()).isEqualTo(404);
        assertThat(field.json().get("message").asText()).contains("Opportunity has no field 'stag'", "did you mean 'stage'",
                "createdDate");
        var amount = app.get("/v1/fields/Opportunity.amount/values");
        assertThat(amount.status()).isEqualTo(400);
        assertThat(amount.json().get("message").asText()).contains("not listed", "Opportunity.stage");
        assertThat(app.get("/v1/fields/Opportunity/values").status()).isEqualTo(404);
        var limit = app.get("/v1/fields/Opportunity.stage/values?limit=0");
        assertThat(limit.status()).isEqualTo(400);
        assertThat(limit.json().get("message").asText()).contains("limit");
        assertThat(app.get("/v1/fields/Opportunity.stage/values?limit=x").status()).isEqualTo(400);
        assertThat(app.send("GET", "/v1/fields", null, null, null).status()).isEqualTo(401);
        assertThat(app.send("GET", "/v1/fields/Opportunity.stage/values", null, null, "test-token-ingest").status()).isEqualTo(403);
    }

    @Test
    void badCreatedDatesAndAttributesAre400sNamingTheFieldAndStoreNothing() {
        var before = values("Opportunity.stage").get("records").asLong();
        var r = app.post("/v1/sources/generic/records", "application/json", """
                {"records":[
                 {"type":"opportunity","id":"006-B1","createdDate":"last tuesday"},
                 {"type":"campaignMember","campaignId":"701-N","personId":"003-N1","attributes":{"Nested":{"a":1}}},
                 {"type":"accountLink","accounts":[{"source":"crm-1","id":"A"},{"source":"crm-2","id":"B"}],"attributes":["x"]}
                ]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.body()).contains("createdDate", "ISO-8601 instant", "attributes.Nested", "must be a string, number or boolean",
                "attributes", "must be an object of scalar values");
        assertThat(values("Opportunity.stage").get("records").asLong()).isEqualTo(before);
    }

    private static JsonNode field(JsonNode type, String name) {
        for (JsonNode f : type.get("fields")) if (f.get("name").asText().equals(name)) return f;
        throw new AssertionError(type.get("name") + " has no field " + name + ": " + type);
    }

    private static JsonNode values(String path) {
        var r = app.get("/v1/fields/" + path + "/values");
        assertThat(r.status()).as(path + ": " + r).isEqualTo(200);
        return r.json();
    }

    private static Map<String, Long> counts(JsonNode values) {
        Map<String, Long> out = new LinkedHashMap<>();
        values.get("values").forEach(v -> out.put(v.get("value").asText(), v.get("count").asLong()));
        return out;
    }
}
