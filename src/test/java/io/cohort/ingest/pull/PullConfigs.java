package io.cohort.ingest.pull;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.it.CohortApp;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Test helpers: config fragments for pulled sources, and waiting for what a sync did. */
public final class PullConfigs {
    private PullConfigs() {}

    /** test-config.yml with its {@code sources:} block replaced by {@code sources}. */
    public static String withSources(String config, String sources) {
        int start = config.indexOf("\nsources:");
        int end = config.indexOf("\nengine:");
        return config.substring(0, start + 1) + sources.stripTrailing() + "\n" + config.substring(end);
    }

    /** A Marketo pull block against a fake, fast for tests. */
    public static String marketo(String url, String crmSource) {
        return """
                {type: marketo%s, pull: {baseUrl: "%s", clientId: cohort-client, clientSecret: cohort-secret,
                   startDate: 2026-01-01, leadsCreatedSince: 2024-03-01, exportWindowDays: 31, pollInterval: 200ms,
                   exportPollInterval: 20ms, refreshInterval: 1h, maxCallsPerWindow: 200, rateWindow: 1s, maxBackoff: 1s, requestTimeout: 5s}}"""
                .formatted(crmSource == null ? "" : ", crmSource: " + crmSource, url);
    }

    /** A Salesforce pull block against a fake, client credentials, fast for tests. */
    public static String salesforce(String url) {
        return """
                {type: salesforce, pull: {loginUrl: "%s", clientId: 3MVG9-cohort-connected-app, clientSecret: sf-secret,
                   pollInterval: 200ms, overlap: 2s, limitBackoff: 1s, maxBackoff: 1s, requestTimeout: 5s, batchSize: 200}}"""
                .formatted(url);
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(50);
        }
    }

    /** {@code GET /v1/sources/{source}/sync}, which must answer 200. */
    public static JsonNode sync(CohortApp app, String source) {
        var r = app.get("/v1/sources/" + source + "/sync");
        if (r.status() != 200) throw new AssertionError("sync status of " + source + ": " + r);
        return r.json();
    }

    /** One stream's part of the sync status. */
    public static JsonNode stream(CohortApp app, String source, String name) {
        for (JsonNode st : sync(app, source).get("streams")) if (st.get("stream").asText().equals(name)) return st;
        throw new AssertionError("no stream " + name + " in source " + source);
    }

    /** Whether every backfill stream of the source is done. */
    public static boolean backfillsDone(CohortApp app, String source) {
        for (JsonNode st : sync(app, source).get("streams")) {
            if (st.get("kind").asText().equals("backfill") && !st.get("state").asText().equals("done")) return false;
        }
        return true;
    }
}
