package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.destination.fake.RecordedRequest;
import io.cohort.ingest.pull.fake.FakeSalesforce;
import io.cohort.it.CohortApp;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both delete paths of the Salesforce connector against a fake org: queryAll's IsDeleted rows, and
 * the delete log ({@code sobjects/{type}/deleted}) for what queryAll cannot show (hard deletes) or
 * where queryAll is not used; and a log that no longer reaches back to the cursor (400
 * INVALID_REPLICATION_DATE after the 15 days or a purge), which the connector reconciles.
 */
class SalesforceDeletesIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String P2 = "003Hs00000P2cTcIAJ";
    static final String P1 = "003Hs00000P1tWnIAF";
    static final String TOWNSEND = "001Hs00001TWNa1IAB";
    static final String ACME = "001Hs00001ACMe1IAB";
    @TempDir Path tmp;
    FakeSalesforce sf;
    CohortApp app;

    @BeforeEach void fake() throws Exception {
        // The delete log by the second instead of the minute, so a test waits seconds.
        sf = new FakeSalesforce().pageSize(50).deleteLogResolution(Duration.ofSeconds(1))
                .load(Path.of("samples/bodea/crm-1"), Instant.parse("2026-10-01T00:00:00Z")).start();
    }

    @AfterEach void stop() {
        if (app != null) app.stop();
        sf.stop();
    }

    private void start(String deletes) throws Exception {
        String pull = PullConfigs.salesforce(sf.url()).replace("batchSize: 200}}",
                "batchSize: 200, deletes: " + deletes + ", deletedPollInterval: 200ms, deleteLogResolution: 1s}}");
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, "sources:\n  crm-1: " + pull + "\n"));
        app.start();
        await("backfills done", WAIT, this::backfillsDone);
    }

    private int status(String type, String key) {
        return app.get("/v1/sources/crm-1/records/" + type + "/" + key).status();
    }

    private boolean backfillsDone() {
        for (JsonNode st : app.get("/v1/sources/crm-1/sync").json().get("streams")) {
            if (st.get("kind").asText().equals("backfill") && !st.get("state").asText().equals("done")) return false;
        }
        return true;
    }

    private long queriesOf(String endpoint, String object) {
        return sf.requests("GET", "/services/data/").stream().filter(r -> r.path().endsWith("/" + endpoint))
                .map(RecordedRequest::rawQuery).filter(q -> q != null && q.contains("FROM+" + object)).count();
    }

    @Test
    void queryAllTurnsDeletedRowsIntoDeletesButCannotSeeHardDeletes() throws Exception {
        start("queryAll");
        sf.delete("Contact", P2);
        await("the soft delete", WAIT, () -> status("person", P2) == 404);
        sf.hardDelete("Contact", P1);
        sf.upsert("Account", "001Hs00009NEWaIAB", Map.of("Name", "Newco")); // a marker: a sync after the hard delete
        await("a sync after the hard delete", WAIT, () -> status("account", "001Hs00009NEWaIAB") == 200);
        Thread.sleep(1_000);
        assertThat(status("person", P1)).as("queryAll never returns a hard-deleted row").isEqualTo(200);
        assertThat(sf.getDeletedCalls()).isZero();
    }

    @Test
    void theDeleteLogBringsHardDeletesBesideQueryAll() throws Exception {
        start("both");
        sf.hardDelete("Contact", P1);
        sf.hardDelete("Account", ACME);
        await("the hard-deleted contact", WAIT, () -> status("person", P1) == 404);
        await("the hard-deleted account", WAIT, () -> status("account", ACME) == 404);
        assertThat(status("person", P2)).isEqualTo(200);
        assertThat(status("account", TOWNSEND)).isEqualTo(200);
        RecordedRequest call = sf.requests("GET", "/services/data/v62.0/sobjects/Contact/deleted").get(0);
        assertThat(call.query("start").get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00");
        assertThat(call.query("end")).hasSize(1);
        assertThat(queriesOf("queryAll", "Contact")).isPositive();
    }

    @Test
    void withGetDeletedOnlyTheDeleteLogBringsSoftDeletesAndQueryAllIsNotUsed() throws Exception {
        start("getDeleted");
        sf.delete("Contact", P2);
        sf.delete("Opportunity", "006Hs00000ACo2aIAB");
        await("the contact's delete", WAIT, () -> status("person", P2) == 404);
        await("the opportunity's delete", WAIT, () -> status("opportunity", "006Hs00000ACo2aIAB") == 404);
        assertThat(queriesOf("queryAll", "Contact")).as("queryAll on Contact").isZero();
        assertThat(queriesOf("query", "Contact")).isPositive();
        // Junction rows are stored by what they join, not by an id the log could name: queryAll still.
        assertThat(queriesOf("queryAll", "OpportunityContactRole")).isPositive();
    }

    @Test
    void aDeleteLogThatNoLongerReachesBackIsReconciledAgainstTheOrgsIds() throws Exception {
        start("both");
        await("the delete log read once", WAIT, () -> sf.getDeletedCalls() > 0);
        app.stop();
        app = null;
        // While the service is down: a contact and an account deleted for good, then the log purged
        // (as 15 days passing would); queryAll and the log both forget them.
        sf.hardDelete("Contact", P1);
        sf.hardDelete("Account", ACME);
        Thread.sleep(1_100);
        sf.purgeDeleteLog();
        sf.clearRequests();
        String pull = PullConfigs.salesforce(sf.url()).replace("batchSize: 200}}",
                "batchSize: 200, deletes: both, deletedPollInterval: 200ms, deleteLogResolution: 1s}}");
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, "sources:\n  crm-1: " + pull + "\n"));
        app.start();
        await("the contact reconciled", WAIT, () -> status("person", P1) == 404);
        await("the account reconciled", WAIT, () -> status("account", ACME) == 404);
        assertThat(sf.requests("GET", "/services/data/v62.0/sobjects/Contact/deleted").stream()
                .anyMatch(r -> r.status() == 400)).as("the org answered INVALID_REPLICATION_DATE first").isTrue();
        assertThat(status("person", P2)).as("records the org still has stay").isEqualTo(200);
        assertThat(status("account", TOWNSEND)).isEqualTo(200);
        // Afterwards the log is read again from the reconciliation on.
        int before = sf.getDeletedCalls();
        sf.hardDelete("Contact", P2);
        await("a delete after the reconciliation", WAIT, () -> status("person", P2) == 404);
        assertThat(sf.getDeletedCalls()).isGreaterThan(before);
    }
}
