package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A preview past its time limit is the analyst's draft being too costly, not a fault of the
 * service: 422 with the message, never a 500; two run at once and a third is told when to come
 * back; and a preview stopped at its limit gives its place back once it has wound down, so later
 * previews work again (a hostile-input campaign found every later preview failing after two slow ones).
 */
class PreviewLimitsIT {
    @TempDir static Path tmp;
    static CohortApp app;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Two open-ended repetitions (what the sandbox allows) on three 4,000-character fields: ~80 ms a
     * person here, so 80 people take twice the limit or more however fast the machine; the cheap
     * draft a fraction of it however slow.
     */
    static final String SLOW = draft("slow-draft",
            "firstName matches \".*.*x\", lastName matches \".*.*x\", title matches \".*.*x\"");
    static final String CHEAP = draft("cheap-draft", "firstName == \"nobody\"");

    static String draft(String segment, String constraint) {
        return "package cohort.segments;\nimport io.cohort.model.*;\n\nrule \"" + segment + "\"\n    @segment(\"" + segment
                + "\")\nwhen\n    $p : Person(" + constraint + ")\nthen\n    insertLogical(new Qualified(\"" + segment
                + "\", $p.id()));\nend\n";
    }

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp, ConfigOverride.config("engine.previewTimeout", "3s")).start();
        StringBuilder b = new StringBuilder("{\"records\":[");
        String name = "a".repeat(4_000);
        for (int i = 0; i < 80; i++) {
            if (i > 0) b.append(',');
            b.append("{\"type\":\"person\",\"id\":\"L").append(i).append("\",\"email\":\"long").append(i)
                    .append("@example.com\",\"firstName\":\"").append(name).append("\",\"lastName\":\"").append(name)
                    .append("\",\"title\":\"").append(name).append("\"}");
        }
        var r = app.post("/v1/sources/crm-1/records", "application/json", b.append("]}").toString());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    private static HttpResponse<String> preview(String drl) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + app.port() + "/v1/rules/preview?file=draft.drl"))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + CohortApp.TOKEN)
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(drl)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPreviewPastItsLimitIs422AThirdAt429IsToldWhenToComeBackAndLaterPreviewsWork() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
        for (int i = 0; i < 3; i++) running.add(CompletableFuture.supplyAsync(() -> preview(SLOW)));
        int timedOut = 0;
        int busy = 0;
        for (var f : running) {
            HttpResponse<String> r = f.get();
            JsonNode body = JSON.readTree(r.body());
            assertThat(r.statusCode()).as(r.body()).isIn(422, 429);
            assertThat(body.get("code").asInt()).isEqualTo(r.statusCode());
            if (r.statusCode() == 422) {
                timedOut++;
                assertThat(body.get("message").asText()).contains("took longer than 3 s");
            } else {
                busy++;
                assertThat(r.headers().firstValue("Retry-After")).as("429 without Retry-After").isPresent();
                assertThat(body.get("message").asText()).contains("previews are running");
            }
        }
        assertThat(timedOut).isGreaterThanOrEqualTo(1);
        // Three at once on two places: unless one finished before the third arrived, one was turned away.
        assertThat(timedOut + busy).isEqualTo(3);

        // The stopped previews wind down and give their places back: a cheap draft is answered again.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> r = preview(CHEAP);
        while (r.statusCode() == 429 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = preview(CHEAP);
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("segments").get(0).get("count").asInt()).isZero();
    }
}
