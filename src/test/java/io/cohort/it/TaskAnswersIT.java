package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin task that cannot do what it was asked says so with a status a script can test and a
 * JSON body saying what and where, as every other refusal of the service does. Before, a rule
 * edit that did not compile, an unknown activation and a source that is not pulled were all
 * {@code 200} with a line of text.
 */
class TaskAnswersIT {
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    @Test
    void aReloadOfRulesThatDoNotCompileIsA422ListingEachErrorWithItsFileAndLine() throws Exception {
        String version = app.task("reload-rules").body();
        assertThat(version).startsWith("applied ");
        Files.writeString(app.rules.resolve("broken.drl"), "package rules;\n\nrule \"half\"\nwhen\n    Person( $x : \nthen\nend\n");
        try {
            CohortApp.Response r = app.task("reload-rules");
            assertThat(r.status()).as(r.toString()).isEqualTo(422);
            JsonNode body = r.json();
            assertThat(body.get("message").asText()).startsWith("NOT applied; still serving ");
            assertThat(body.get("errors")).isNotEmpty();
            assertThat(body.get("errors").get(0).get("field").asText()).isEqualTo("rules");
            assertThat(body.get("errors").get(0).get("message").asText()).startsWith("broken.drl:");
            // The running segments are untouched.
            assertThat(app.get("/v1/segments").status()).isEqualTo(200);
        } finally {
            Files.delete(app.rules.resolve("broken.drl"));
        }
        assertThat(app.task("reload-rules").status()).isEqualTo(200);
    }

    @Test
    void anUnknownActivationOrASourceThatIsNotPulledIsA404NamingWhatThereIs() {
        CohortApp.Response replay = app.task("replay-activation?activation=nope");
        assertThat(replay.status()).as(replay.toString()).isEqualTo(404);
        assertThat(replay.json().get("message").asText()).contains("nope").contains("activations: [");

        CohortApp.Response sync = app.task("source-sync?source=crm-1");
        assertThat(sync.status()).as(sync.toString()).isEqualTo(404);
        assertThat(sync.json().get("message").asText()).contains("crm-1: not a pulled source");
    }

    @Test
    void aTaskThatDidItsWorkStillAnswersText() {
        CohortApp.Response r = app.task("re-evaluate");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).startsWith("re-evaluated with rules ");
    }
}
