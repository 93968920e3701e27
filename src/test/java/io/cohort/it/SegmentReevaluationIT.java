package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An analyst who saves a rule file watches the segment: while everyone is evaluated again with the
 * new rules, GET /v1/segments/{id} says so and how far it is (its audience meanwhile mixes people
 * evaluated with the new rules and people not reached yet), and says nothing once it is done;
 * GET /v1/status and the admin port's gauges tell operators the same.
 */
public class SegmentReevaluationIT {
    static final int PEOPLE = 600;
    /** A segment of everyone with an email; edited to {@code email == null}, everyone leaves it. */
    public static final String RULE = """
            package cohort.segments;
            import io.cohort.model.*;
            rule "Everyone with an email"
                @segment("with-email")
            when
                $p : Person(email != null)
            then
                insertLogical(new Qualified("with-email", $p.id()));
            end
            """;

    @TempDir Path dir;

    /** {@code n} people with an email ({@code <prefix><i>@example.com}) into crm-1, in batches of 300, evaluated. */
    public static void ingestPeople(CohortApp app, String prefix, int n) throws Exception {
        for (int from = 0; from < n; from += 300) {
            List<String> records = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 300); i++) {
                records.add("{\"type\":\"person\",\"id\":\"" + prefix + i + "\",\"email\":\"" + prefix + i + "@example.com\"}");
            }
            app.ingest("crm-1", records.toArray(String[]::new));
        }
    }

    @Test
    void aSegmentSaysWhileItIsEvaluatedAgainAndHowFar() throws Exception {
        Path rules = dir.resolve("rules");
        Files.createDirectories(rules);
        Files.writeString(rules.resolve("with-email.drl"), RULE);
        // Rounds of one person, each leaving the segment: a sweep of many stored rounds to watch.
        try (CohortApp app = new CohortApp(dir, ConfigOverride.config("engine.roundSize", "1"),
                ConfigOverride.config("engine.chunkSize", "1"))) {
            app.start();
            ingestPeople(app, "c", PEOPLE);
            JsonNode before = app.get("/v1/segments/with-email").json();
            assertThat(before.path("size").asInt()).isEqualTo(PEOPLE);
            assertThat(before.path("reevaluation").isNull()).as(before.toString()).isTrue();

            Files.writeString(rules.resolve("with-email.drl"), RULE.replace("email != null", "email == null"));
            CompletableFuture<CohortApp.Response> edit = CompletableFuture.supplyAsync(() -> app.task("reload-rules"));
            List<JsonNode> during = new ArrayList<>();
            List<JsonNode> statuses = new ArrayList<>();
            List<String> gaugesSeen = new ArrayList<>(); // "people/evaluated" of the admin port's gauges
            int polls = 0;
            JsonNode now = before;
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < deadline && !(now.path("size").asInt() == 0 && now.path("reevaluation").isNull())) {
                now = app.get("/v1/segments/with-email").json();
                if (!now.path("reevaluation").isNull()) during.add(now.path("reevaluation"));
                JsonNode sweep = app.get("/v1/status").json().path("evaluation").path("sweep");
                if (!sweep.isNull() && !sweep.isMissingNode()) statuses.add(sweep);
                if (polls++ % 4 != 0) continue; // the whole registry: asked now and then
                JsonNode gauges = app.admin("/metrics").json().path("gauges");
                int people = gauges.path("cohort.engine.sweep.people").path("value").asInt();
                if (people > 0) gaugesSeen.add(people + "/" + gauges.path("cohort.engine.sweep.evaluated").path("value").asInt());
            }
            assertThat(edit.get().status()).isEqualTo(200);
            assertThat(now.path("size").asInt()).as("everyone left").isZero();
            assertThat(now.path("reevaluation").isNull()).as("done: " + now).isTrue();

            String version = app.get("/v1/rules").json().path("activeVersion").asText();
            assertThat(during).as("seen while the edit's rounds were stored").isNotEmpty();
            int last = -1;
            for (JsonNode r : during) {
                assertThat(r.path("cause").asText()).isEqualTo("rules");
                assertThat(r.path("rulesVersion").asText()).isEqualTo(version);
                assertThat(r.path("people").asInt()).isEqualTo(PEOPLE);
                assertThat(r.path("evaluated").asInt()).isBetween(Math.max(0, last), PEOPLE - 1);
                assertThat(r.path("since").asText()).isNotEmpty();
                last = r.path("evaluated").asInt();
            }
            assertThat(app.get("/v1/segments").json().path("segments").get(0).has("reevaluation")).isTrue();
            // Operators see the same on /v1/status, with the segments it evaluates again.
            assertThat(statuses).as("the sweep on /v1/status").isNotEmpty();
            assertThat(statuses.get(0).path("segments").toString()).isEqualTo("[\"with-email\"]");
            assertThat(statuses.get(0).path("cause").asText()).isEqualTo("rules");
            assertThat(app.get("/v1/status").json().path("evaluation").path("sweep").isNull()).as("none once done").isTrue();
            // And the metrics operators alert on.
            assertThat(gaugesSeen).as("cohort.engine.sweep.* during the edit").isNotEmpty()
                    .allSatisfy(g -> assertThat(g).startsWith(PEOPLE + "/"));
            JsonNode after = app.admin("/metrics").json().path("gauges");
            assertThat(after.path("cohort.engine.sweep.people").path("value").asInt()).isZero();
            assertThat(after.path("cohort.engine.sweep.evaluated").path("value").asInt()).isZero();
        }
    }
}
