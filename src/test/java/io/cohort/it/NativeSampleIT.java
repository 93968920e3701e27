package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample exactly as the vendors' APIs export it (samples/bodea), through the native
 * endpoints of the app started with the shipped config.yml's source types.
 */
class NativeSampleIT {
    static final Path SAMPLES = Path.of("samples/bodea");
    static final List<String[]> UPLOADS = List.of(
            new String[] {"crm-1", "query", "crm-1/Account.json"}, new String[] {"crm-1", "query", "crm-1/Contact.json"},
            new String[] {"crm-1", "query", "crm-1/Opportunity.json"},
            new String[] {"crm-1", "query", "crm-1/OpportunityContactRole.json"},
            new String[] {"crm-2", "query", "crm-2/Account.json"}, new String[] {"crm-2", "query", "crm-2/Contact.json"},
            new String[] {"crm-2", "query", "crm-2/Opportunity.json"},
            new String[] {"crm-2", "query", "crm-2/OpportunityContactRole.json"},
            new String[] {"marketo-1", "companies", "marketo-1/companies.json"},
            new String[] {"marketo-1", "leads", "marketo-1/leads.json"},
            new String[] {"marketo-1", "opportunities", "marketo-1/opportunities.json"},
            new String[] {"marketo-1", "opportunityRoles", "marketo-1/opportunityRoles.json"},
            new String[] {"marketo-1", "activities", "marketo-1/activities.json"},
            new String[] {"marketo-2", "companies", "marketo-2/companies.json"},
            new String[] {"marketo-2", "leads", "marketo-2/leads.json"},
            new String[] {"marketo-2", "opportunities", "marketo-2/opportunities.json"},
            new String[] {"marketo-2", "opportunityRoles", "marketo-2/opportunityRoles.json"},
            new String[] {"marketo-2", "activities", "marketo-2/activities.json"},
            new String[] {"mdm", "crossReferences", "mdm/crossReferences.json"});

    @TempDir Path tmp;

    @Test
    void vendorExportsYieldOneTownsendAndExactlyP2() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            for (String[] u : UPLOADS) {
                var r = app.postFile("/v1/sources/" + u[0] + "/native/" + u[1], SAMPLES.resolve(u[2]));
                assertThat(r.status()).as(u[2] + ": " + r).isEqualTo(200);
            }
            app.settle();
            JsonNode p2 = app.get("/v1/profiles?email=p2@townsend.com").json();
            assertThat(p2.get("accounts").size()).as(p2.toString()).isEqualTo(1);
            assertThat(p2.get("opportunityTotals").get("wonAmount").asDouble()).isEqualTo(1_100_000.0);
            JsonNode account = app.get("/v1/accounts/" + p2.get("accounts").get(0).get("id").asText()).json();
            assertThat(account.get("people")).extracting(n -> n.get("email").asText())
                    .containsExactly("p1@townsend.com", "p2@townsend.com", "p3@townsend.com");
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");

            var bad = app.post("/v1/sources/marketo-1/native/leads", "application/json",
                    "{\"requestId\":\"x\",\"success\":false,\"errors\":[{\"code\":\"601\",\"message\":\"Access token invalid\"}]}");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("message").asText()).contains("601");
        }
    }
}
