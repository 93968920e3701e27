package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.ingest.LongNumbers;
import io.cohort.ingest.pull.fake.FakeMarketoSource;
import io.cohort.it.CohortApp;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Marketo lead reads the same whether the lead backfill's bulk export (CSV: every value text)
 * or a REST read (JSON: typed) brought it. The export's values are typed by the lead fields'
 * data types (Describe Lead), so a number REST sets aside is set aside from the export too, for
 * the same reason, and a lead set aside counts once whichever way it is read; the lead fields
 * read leave out updatedAt, so a lead's version is its id and a digest of what was read.
 */
class MarketoLeadPathsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String LEAD_FIELDS = "[id, email, firstName, lastName, title, country, company, externalCompanyId, leadRole, "
            + "unsubscribed, emailInvalid, leadScore, leadSource, createdAt, budget, isPartner, trialEnds]";
    static final BigInteger TOO_LONG = new BigInteger("9".repeat(150));
    @TempDir Path tmp;
    FakeMarketo marketo;
    FakeMarketoSource source;
    CohortApp app;

    @BeforeEach void fake() throws Exception {
        marketo = new FakeMarketo().start();
        source = new FakeMarketoSource(marketo).load(Path.of("samples/bodea/marketo-1"))
                .leadField("budget", "currency").leadField("isPartner", "boolean").leadField("trialEnds", "date");
    }

    @AfterEach void stop() {
        if (app != null) app.stop();
        marketo.stop();
    }

    /** A lead created in 2025, so that the lead backfill's export reads it; title: a value it does not have. */
    private static ObjectNode lead(long id, String email) {
        ObjectNode l = JSON.createObjectNode().put("id", id).put("email", email).put("firstName", "Lead").put("lastName", "L" + id)
                .put("createdAt", "2025-06-01T10:00:00Z").put("updatedAt", "2025-06-01T10:00:00Z");
        l.putNull("title");
        return l;
    }

    @Test
    void aNumberTooLongIsSetAsideFromTheExportAsFromRestAndCountsOnce() throws Exception {
        source.exportNullsAs(""); // the title an empty cell: REST's null
        source.existingLead(lead(1100, "long@townsend.com").put("leadScore", TOO_LONG).put("budget", new BigDecimal("10.5")));
        start();
        await("backfills done", WAIT, this::backfillsDone);
        // Read as text, the export stored the lead with its leadScore as an attribute.
        assertThat(status(1100)).isEqualTo(404);
        JsonNode backfill = stream("leads.backfill");
        assertThat(backfill.get("recordsRejected").asLong()).as(backfill.toString()).isEqualTo(1);
        // The words a REST read of it gives (MarketoPullIT#aPageFetchedAgainAfterAFailureCountsItsSetAsideOnce).
        assertThat(backfill.get("lastRejection").asText())
                .isEqualTo("Marketo leads item id 1100: leadScore: " + LongNumbers.refusal(150));

        // The same lead read by REST (a change to the same value): set aside again, not counted again.
        source.updateLead(1100, "leadScore", TOO_LONG);
        afterTheLeadChangesRead();
        assertThat(status(1100)).isEqualTo(404);
        assertThat(stream("leads").get("recordsRejected").asLong()).as(sync().toString()).isZero();
        assertThat(sync().get("recordsRejected").asLong()).as(sync().toString()).isEqualTo(1);
    }

    @Test
    void aLeadReadByExportAndByRestIsTheSameRecordAndCountsOnceWhenSetAside() throws Exception {
        // Set aside by validation, numbers, a boolean and "null" (how Marketo writes a value the lead does not have) besides.
        source.existingLead(lead(1101, "not-an-email").put("leadScore", 12).put("budget", new BigDecimal("2500.50"))
                .put("isPartner", true));
        source.existingLead(lead(1102, "ok@townsend.com").put("leadScore", 64).put("budget", new BigDecimal("12500.50"))
                .put("isPartner", false).put("emailInvalid", true).put("unsubscribed", true).put("trialEnds", "2027-01-31"));
        start();
        await("backfills done", WAIT, this::backfillsDone);
        assertThat(status(1101)).isEqualTo(404);
        assertThat(stream("leads.backfill").get("lastRejection").asText()).contains("person 1101").contains("email");
        JsonNode exported = record(1102);
        assertThat(exported.path("emailOptOut").asBoolean()).as(exported.toString()).isTrue();
        assertThat(exported.path("title").isMissingNode() || exported.path("title").isNull()).as(exported.toString()).isTrue();
        JsonNode attrs = exported.path("attributes");
        assertThat(attrs.path("leadScore").asText()).as(attrs.toString()).isEqualTo("64");
        assertThat(attrs.path("budget").asText()).isEqualTo("12500.50");
        assertThat(attrs.path("isPartner").asText()).isEqualTo("false");
        assertThat(attrs.path("emailInvalid").asText()).isEqualTo("true");
        assertThat(attrs.path("trialEnds").asText()).isEqualTo("2027-01-31");

        // Both read by REST (changes to the same values): the same record, and the bad one not counted again.
        source.updateLead(1101, "leadScore", 12);
        source.updateLead(1102, "leadScore", 64);
        afterTheLeadChangesRead();
        assertThat(record(1102)).isEqualTo(exported);
        assertThat(status(1101)).isEqualTo(404);
        JsonNode s = sync();
        assertThat(stream("leads").get("recordsRejected").asLong()).as(s.toString()).isZero();
        assertThat(s.get("recordsRejected").asLong()).as(s.toString()).isEqualTo(1);
    }

    /** A later change of another lead is stored: the lead changes before it have been read. */
    private void afterTheLeadChangesRead() throws Exception {
        String marker = "After " + System.nanoTime();
        source.updateLead(1002, "title", marker);
        await("the lead changes read", WAIT, () -> record(1002).path("title").asText().equals(marker));
    }

    private void start() throws Exception {
        String pull = PullConfigs.marketo(marketo.url(), "crm-1")
                .replace("startDate:", "objects: [leads], leadFields: " + LEAD_FIELDS + ", startDate:");
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, """
                sources:
                  crm-1: {type: salesforce}
                  marketo-1: %s
                """.formatted(pull)));
        app.start();
    }

    private int status(long lead) { return app.get("/v1/sources/marketo-1/records/person/" + lead).status(); }

    private JsonNode record(long lead) { return app.get("/v1/sources/marketo-1/records/person/" + lead).json().path("record"); }

    private JsonNode sync() { return PullConfigs.sync(app, "marketo-1"); }

    private JsonNode stream(String name) { return PullConfigs.stream(app, "marketo-1", name); }

    private boolean backfillsDone() { return PullConfigs.backfillsDone(app, "marketo-1"); }
}
