package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Salesforce names one record by 15 characters (its user interface, reports, exports) and by 18
 * (its API). An MDM export, a report posted as records and another system's {@code sameAs} name
 * the org's records by whichever they have: through the service, each reaches the record the API
 * sent, and a record sent in both forms is one record. Before, the 15-character reference joined
 * nothing and the report's contact was a second record of the same person.
 */
class SalesforceIdFormsIT {
    static final String ACCOUNT = "001D000000IqhSLIAZ";
    static final String CONTACT = "003D000000Kx9QbIAJ";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static void post(String path, String body) {
        CohortApp.Response r = app.post(path, "application/json", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    static JsonNode ann() {
        CohortApp.Response r = app.get("/v1/profiles?email=ann%40acme.example");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    static List<String> accountSources(JsonNode profile) {
        List<String> out = new ArrayList<>();
        profile.get("accounts").forEach(a -> a.get("sources").forEach(s -> out.add(s.asText())));
        return out;
    }

    @Test
    void eitherFormOfAnIdReachesTheRecordTheApiSent() {
        post("/v1/sources/crm-2/native/query", """
                {"totalSize": 2, "done": true, "records": [
                  {"attributes": {"type": "Account"}, "Id": "%s", "Name": "Acme"},
                  {"attributes": {"type": "Contact"}, "Id": "%s", "Email": "ann@acme.example", "LastName": "Lee", "AccountId": "%s"}]}
                """.formatted(ACCOUNT, CONTACT, ACCOUNT));
        post("/v1/sources/generic/records", """
                {"records": [{"type": "account", "id": "G-ACME", "name": "Acme (billing)"}]}""");
        assertThat(accountSources(ann())).containsExactly("crm-2:" + ACCOUNT);

        // The MDM names the org's account by its 15 characters.
        post("/v1/sources/mdm/native/crossReferences", """
                {"entities": [{"mdmId": "M-ACME", "name": "Acme", "members": [
                  {"system": "SFDC_LINE2", "recordId": "001D000000IqhSL"}, {"system": "generic", "recordId": "G-ACME"}]}]}""");
        assertThat(accountSources(ann())).as("the MDM's link joins the billing account").containsExactlyInAnyOrder(
                "crm-2:" + ACCOUNT, "generic:G-ACME");

        // Another system's copy of the account, its reference turned to lower case on the way.
        post("/v1/sources/generic/records", """
                {"records": [{"type": "account", "id": "G-ACME-2", "name": "acme", "sameAs": {"source": "crm-2", "id": "%s"}}]}"""
                .formatted(ACCOUNT.toLowerCase(java.util.Locale.ROOT)));
        assertThat(accountSources(ann())).containsExactlyInAnyOrder("crm-2:" + ACCOUNT, "generic:G-ACME", "generic:G-ACME-2");

        // A report of the org posted as records: 15-character ids update the contact the API sent.
        post("/v1/sources/crm-2/records", """
                {"records": [{"type": "person", "id": "003D000000Kx9Qb", "email": "ann@acme.example", "lastName": "Lee", "title": "CFO"}]}""");
        JsonNode profile = ann();
        assertThat(profile.get("title").asText()).isEqualTo("CFO");
        assertThat(profile.get("sources")).extracting(JsonNode::asText).containsExactly("crm-2:" + CONTACT);
        CohortApp.Response stored = app.get("/v1/sources/crm-2/records/person/003D000000Kx9Qb");
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        assertThat(stored.json().get("key").asText()).isEqualTo(CONTACT);
        assertThat(stored.json().get("record").get("title").asText()).isEqualTo("CFO");

        // And its delete of the contact's account relation, by 15 characters, ends the relation the API sent.
        post("/v1/sources/crm-2/records", """
                {"records": [{"type": "accountPerson", "accountId": "001D000000IqhSL", "personId": "003D000000Kx9Qb", "deleted": true}]}""");
        assertThat(ann().get("accounts")).isEmpty();
        assertThat(app.get("/v1/sources/crm-2/records/accountPerson?accountId=" + ACCOUNT + "&personId=" + CONTACT).status())
                .isEqualTo(404);
    }
}
