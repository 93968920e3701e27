package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON logs as docs/operations.md configures them: one JSON object a line, with the request id. */
class JsonLogsIT {
    @TempDir Path tmp;

    @Test
    void theAppLogsOneJsonObjectALineWhenConfiguredTo() throws Exception {
        Path log = tmp.resolve("cohort.json.log");
        try (CohortApp app = new CohortApp(tmp).withConfig(yml -> yml.replace("  loggers: {io.cohort: INFO}\n", """
                  loggers: {io.cohort: INFO}
                  appenders:
                    - type: file
                      currentLogFilename: "%s"
                      archive: false
                      layout:
                        type: json
                        timestampFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSX"
                        additionalFields: {service: cohort}
                """.formatted(log)))) {
            app.start();
            CohortApp.Response r = app.send("GET", "/v1/segments", null, null, CohortApp.TOKEN);
            assertThat(r.status()).isEqualTo(200);
        }
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(log)) lines.add(json.readTree(line)); // every line parses
        assertThat(lines).isNotEmpty();
        JsonNode started = lines.stream().filter(n -> n.path("message").asText().startsWith("start-up: ready")).findFirst().orElseThrow();
        assertThat(started.path("level").asText()).isEqualTo("INFO");
        assertThat(started.path("logger").asText()).isEqualTo("io.cohort.ops.Startup");
        assertThat(started.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(started.path("service").asText()).isEqualTo("cohort");
        assertThat(started.path("thread").asText()).isNotEmpty();
    }
}
