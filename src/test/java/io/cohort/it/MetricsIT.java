package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a Prometheus server scrapes from the admin port of the real app, parsed as its text format. */
class MetricsIT {
    /** One sample line of the text exposition format: name, optional {labels}, value. */
    static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");
    @TempDir Path tmp;

    /** Sample "name{labels}" → value; every non-comment line must be a valid sample. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                assertThat(line.isBlank() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")).as(line).isTrue();
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a sample line: " + line).isTrue();
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    @Test
    void everyDropwizardMetricAndTheAudienceGaugesInPrometheusTextFormat() throws Exception {
        try (CohortApp app = new CohortApp(tmp).withExtraConfig("""
                destinations:
                  files: {type: file, directory: "%s"}
                activations:
                  - {id: hv-files, segment: high-value-new-product, destination: files}
                """.formatted(tmp.resolve("out")))) {
            app.start();
            BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
            app.settle();
            CohortApp.Response json = app.admin("/metrics");
            CohortApp.Response r = app.admin("/prometheus");
            assertThat(r.status()).isEqualTo(200);
            Map<String, Double> samples = parse(r.body());

            assertThat(samples).containsEntry("cohort_segment_size{segment=\"high-value-new-product\"}", 1.0)
                    .containsEntry("cohort_segment_size{segment=\"late-stage-deals\"}", 0.0);
            assertThat(samples.keySet()).anyMatch(k -> k.startsWith("cohort_activation_pending{") && k.contains("activation=\"hv-files\""))
                    .anyMatch(k -> k.startsWith("cohort_activation_failed{") && k.contains("destination=\"files\""));
            assertThat(samples.get("cohort_engine_evaluations")).isPositive();
            // The Bodea story's records (src/test/resources/bodea-canonical): 8 person records of 3 people (P1, P2, P3 by
            // email), 4 accounts, 4 deals, 9 relations and the MDM's link; the one event is not a record held.
            assertThat(samples).containsEntry("cohort_graph_people", 3.0).containsEntry("cohort_graph_records", 26.0);
            assertThat(samples.get("cohort_ingest_records_total")).isEqualTo(
                    json.json().path("meters").path("cohort.ingest.records").path("count").asDouble());
            // Every metric of Dropwizard's JSON: Jetty, the pool, the outbound HTTP client, the managed pools…
            assertThat(samples.keySet()).anyMatch(k -> k.startsWith("io_dropwizard_jetty_MutableServletContextHandler_requests"))
                    .anyMatch(k -> k.startsWith("io_dropwizard_db_ManagedPooledDataSource_database_active"))
                    .anyMatch(k -> k.startsWith("cohort_activation_hv_files_pending"))
                    .anyMatch(k -> k.startsWith("org_apache_hc_client5_http_io_HttpClientConnectionManager_vendor_http"))
                    .anyMatch(k -> k.startsWith("outbox_running"));
            for (String section : new String[] {"gauges", "counters", "meters", "timers"}) {
                json.json().path(section).fieldNames().forEachRemaining(name -> {
                    if (name.contains("deadlocks")) return; // a list of threads, not a number
                    // Prometheus names: '.' and '-' become '_'; the reserved suffixes _created, _total, _info are dropped.
                    String prefix = name.replaceAll("[^a-zA-Z0-9_:]", "_").replaceAll("_(created|total|info|bucket)$", "");
                    assertThat(samples.keySet()).as(section + " " + name).anyMatch(k -> k.startsWith(prefix));
                });
            }
        }
    }

    @Test
    void theDatabaseDiskCheckAndGaugesWatchTheEmbeddedDatabaseFile() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            Path file = tmp.resolve("db/cohort.mv.db");
            assertThat(file).exists();
            CohortApp.Response health = app.admin("/healthcheck");
            var check = health.json().get("database-disk");
            assertThat(check).as(health.body()).isNotNull();
            assertThat(check.get("healthy").asBoolean()).isTrue();
            assertThat(check.get("message").asText()).contains("free beside the database file").contains(file.toString());
            assertThat(check.get("freeBytes").asLong()).isPositive();
            var gauges = app.admin("/metrics").json().path("gauges");
            assertThat(gauges.path("cohort.database.fileBytes").path("value").asLong()).isPositive()
                    .isLessThanOrEqualTo(java.nio.file.Files.size(file) * 4);
            assertThat(gauges.path("cohort.database.diskFreeBytes").path("value").asLong()).isPositive();
        }
    }
}
