package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * engine.stepTwoLimit through the service: a rule that looks for a colleague finds one through an
 * account until the account has more people than the limit (a catch-all account), then through it
 * no more, and again once it is back under; the metric says how often a walk stopped there.
 */
class StepTwoLimitIT {
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp, ConfigOverride.config("engine.stepTwoLimit", "2"));
        Files.copy(java.nio.file.Path.of("src/test/resources/reliability/rules-depth2/step-two.drl"), app.rules.resolve("step-two.drl"));
        app.start();
        app.task("clock?set=2026-11-25T00:00:00Z");
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static void post(String... records) throws Exception { app.ingest("generic", records); }

    static String person(String id, String first) {
        return "{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\"" + id + "@catchall.example\",\"firstName\":\"" + first + "\"}";
    }

    static String related(String id, boolean deleted) {
        return "{\"type\":\"accountPerson\",\"accountId\":\"U\",\"personId\":\"" + id + "\"" + (deleted ? ",\"deleted\":true" : "") + "}";
    }

    static List<String> segments(String id) {
        JsonNode p = app.get("/v1/profiles?email=" + id + "@catchall.example").json();
        List<String> out = new ArrayList<>();
        p.path("segments").forEach(s -> { if (s.path("status").asText().equals("realized")) out.add(s.path("segmentId").asText()); });
        return out;
    }

    static long skipped() {
        JsonNode gauge = app.admin("/metrics").json().path("gauges").path("cohort.engine.stepTwoSkipped");
        assertThat(gauge.has("value")).as("the gauge is registered").isTrue();
        return gauge.path("value").asLong();
    }

    @Test
    void aColleagueIsFoundThroughAnAccountOnlyUpToTheLimit() throws Exception {
        post("{\"type\":\"account\",\"id\":\"U\",\"name\":\"Unknown\"}", person("ann", "Ann"), person("bob", "Bob"),
                related("ann", false), related("bob", false));
        assertThat(segments("bob")).as("two people, the limit: looked through").contains("probe-colleague-ann");
        assertThat(skipped()).isZero();

        post(person("cid", "Cid"), related("cid", false));
        assertThat(segments("bob")).as("three people, over the limit").doesNotContain("probe-colleague-ann");
        assertThat(segments("cid")).doesNotContain("probe-colleague-ann");
        assertThat(skipped()).isPositive();
        String bob = app.get("/v1/profiles?email=bob@catchall.example").json().get("id").asText();
        JsonNode why = app.get("/v1/segments/probe-colleague-ann/explain?person=" + bob).json();
        assertThat(why.get("qualified").asBoolean()).isFalse();
        assertThat(why.get("hint").asText()).as("explain says why no colleague is found").contains("engine.stepTwoLimit")
                .contains("more than 2 people");

        post(related("cid", true));
        assertThat(segments("bob")).as("back to two").contains("probe-colleague-ann");
    }
}
