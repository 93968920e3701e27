package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.ingest.pull.fake.FakeMarketoSource;
import io.cohort.it.CohortApp;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Marketo lead backfill streams a large bulk export file: rows are stored a chunk at a time
 * while the file arrives, so when the connection breaks halfway the rows before the break are
 * already stored, and the next download resumes after them without storing any row twice.
 */
class MarketoExportIT {
    static final int LEADS = 20_000;
    static final Duration WAIT = Duration.ofMinutes(3);
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;
    FakeMarketo marketo;
    FakeMarketoSource source;
    CohortApp app;

    @BeforeEach void fake() {
        marketo = new FakeMarketo().start();
        source = new FakeMarketoSource(marketo);
        Instant created = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 1; i <= LEADS; i++) {
            ObjectNode lead = JSON.createObjectNode();
            lead.put("id", i);
            lead.put("email", "lead" + i + "@export.example");
            lead.put("firstName", "Lead, \"the " + i + "th\"");
            lead.put("lastName", "Export");
            lead.put("unsubscribed", i % 7 == 0);
            lead.put("createdAt", created.plusSeconds(i).toString());
            lead.put("updatedAt", created.plusSeconds(i).toString());
            source.existingLead(lead);
        }
    }

    @AfterEach void stop() {
        if (app != null) app.stop();
        marketo.stop();
    }

    private JsonNode stream(String name) {
        for (JsonNode st : app.get("/v1/sources/marketo-1/sync").json().get("streams")) {
            if (st.get("stream").asText().equals(name)) return st;
        }
        throw new AssertionError("no stream " + name);
    }

    private int status(long lead) { return app.get("/v1/sources/marketo-1/records/person/" + lead).status(); }

    @Test
    void aLargeExportIsStoredWhileItArrives() throws Exception {
        // Half the file arrives, then the fake waits until the first rows are stored: a client that
        // reads the whole file before storing anything would wait forever (the fake gives up after 2 min).
        source.holdNextFile(0.5);
        marketo.pauseBodiesUntil(() -> {
            try {
                return app != null && status(1) == 200;
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        start();
        await("the lead backfill", WAIT, () -> stream("leads.backfill").get("state").asText().equals("done"));
        assertThat(marketo.pauseTimedOut()).as("rows stored before the file's second half arrived").isFalse();
        assertThat(stream("leads.backfill").get("recordsFetched").asLong()).isEqualTo(LEADS);
        assertThat(status(LEADS)).isEqualTo(200);
    }

    private void start() throws Exception {
        String pull = """
                {type: marketo, pull: {baseUrl: "%s", clientId: cohort-client, clientSecret: cohort-secret,
                   objects: [leads], startDate: 2026-11-01, leadsCreatedSince: 2026-10-25, pollInterval: 200ms,
                   exportPollInterval: 20ms, maxCallsPerWindow: 200, rateWindow: 1s, maxBackoff: 1s, requestTimeout: 150s}}"""
                .formatted(marketo.url());
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, "sources:\n  marketo-1: " + pull + "\n"));
        app.start();
    }

    @Test
    void aLargeExportIsStoredAsItArrivesAndABrokenDownloadResumesAfterTheStoredRows() throws Exception {
        source.breakNextFile(0.5);
        long t0 = System.nanoTime();
        start();
        await("the lead backfill", WAIT, () -> stream("leads.backfill").get("state").asText().equals("done"));
        long ms = (System.nanoTime() - t0) / 1_000_000;

        JsonNode st = stream("leads.backfill");
        System.out.printf("MarketoExportIT: %,d leads from a bulk export in %,d ms, %d file downloads (one broken halfway)%n",
                LEADS, ms, source.fileDownloads());
        assertThat(source.fileDownloads()).as("the broken download and the one that resumed").isGreaterThanOrEqualTo(2);
        assertThat(st.get("recordsFetched").asLong()).as("every row stored exactly once").isEqualTo(LEADS);
        JsonNode first = app.get("/v1/sources/marketo-1/records/person/1").json().path("record");
        assertThat(first.path("email").asText()).isEqualTo("lead1@export.example");
        assertThat(first.path("firstName").asText()).isEqualTo("Lead, \"the 1th\"");
        JsonNode last = app.get("/v1/sources/marketo-1/records/person/" + LEADS).json().path("record");
        assertThat(last.path("email").asText()).isEqualTo("lead" + LEADS + "@export.example");
        assertThat(app.get("/v1/sources/marketo-1/records/person/7").json().path("record").path("emailOptOut").asBoolean()).isTrue();
    }
}
