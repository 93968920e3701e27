package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingestion takes an event up to a day ahead of the clock (a source's clock or time zone drifts),
 * and stores hold older ones. A window counts events in (since, now]: an event dated 6 hours ahead
 * made its person a "viewed in the last 30 days" member 6 hours before the view. Now the person
 * enters when the clock reaches the event's time, with no record arriving then (a due time at the
 * event's time, not a re-evaluation of everyone).
 */
class FutureEventsIT {
    static final String SEGMENT = BodeaScenarioIT.SEGMENT;
    @TempDir Path tmp;
    CohortApp app;

    @AfterEach void stop() { if (app != null) app.stop(); }

    /** Segment "ever-registered": a rule with no window at all, only last(type). */
    static final String EVER_REGISTERED = """
            package cohort.segments;
            import io.cohort.model.*;
            rule "Registered for a webinar, ever"
                @segment("ever-registered")
            when
                $p : Person()
                Activity(personId == $p.id, last("webinar.registered") != null)
            then
                insertLogical(new Qualified("ever-registered", $p.id()));
            end
            """;

    private long batches() { return app.app().services().store().lastBatchSeq(); }

    private List<String> changes(String segment) {
        List<String> out = new ArrayList<>();
        JsonNode c = app.get("/v1/segments/" + segment + "/changes").json().get("changes");
        c.forEach(n -> out.add(n.get("change").asText() + " " + n.get("cause").asText()));
        return out;
    }

    @Test
    void anEventDatedAheadCountsFromItsOwnTimeAndItsPersonEntersThen() throws Exception {
        app = new CohortApp(tmp);
        Files.writeString(app.rules.resolve("ever-registered.drl"), EVER_REGISTERED);
        app.start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");

        // p3 (Marketo 2 lead 2002) views the new product page, dated 6 hours ahead; and registers for a webinar.
        var r = app.post("/v1/sources/marketo-2/records", "application/json", """
                {"records":[{"type":"event","id":"F-1","personId":"2002","eventType":"web.webpagedetails.pageViews",
                  "timestamp":"2026-11-25T06:00:00Z","url":"https://www.bodea.com/products/new"},
                 {"type":"event","id":"F-2","personId":"2002","eventType":"webinar.registered",
                  "timestamp":"2026-11-25T07:00:00Z"}]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
        long stored = batches();
        assertThat(BodeaScenarioIT.members(app)).as("the view has not happened yet").containsExactly("p2@townsend.com");
        assertThat(BodeaScenarioIT.members(app, "ever-registered")).as("last(type) is never after now").isEmpty();
        String p3 = app.get("/v1/profiles?email=p3@townsend.com").json().get("id").asText();
        JsonNode profile = app.get("/v1/profiles/" + p3).json();
        assertThat(profile.get("upcomingEvents").findValuesAsText("timestamp")).as("soonest first")
                .containsExactly("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z");
        assertThat(profile.get("events").findValuesAsText("timestamp")).as("what rules count")
                .noneMatch(t -> t.startsWith("2026-11-25T0"));
        JsonNode why = app.get("/v1/segments/" + SEGMENT + "/explain?person=" + p3).json();
        assertThat(why.get("qualified").asBoolean()).isFalse();
        assertThat(why.get("hint").asText()).contains("event dated after now (the earliest at 2026-11-25T06:00:00Z)");

        app.task("clock?set=2026-11-25T05:59:59.999Z");
        assertThat(BodeaScenarioIT.members(app)).as("a millisecond before the view").containsExactly("p2@townsend.com");

        app.task("clock?set=2026-11-25T06:00:00Z");
        assertThat(BodeaScenarioIT.members(app)).as("at the view's time").containsExactly("p2@townsend.com", "p3@townsend.com");
        assertThat(changes(SEGMENT)).containsExactly("entered ingest", "entered clock");
        why = app.get("/v1/segments/" + SEGMENT + "/explain?person=" + p3).json();
        assertThat(why.get("qualified").asBoolean()).isTrue();
        profile = app.get("/v1/profiles/" + p3).json();
        assertThat(profile.get("upcomingEvents").findValuesAsText("timestamp")).containsExactly("2026-11-25T07:00:00Z");
        assertThat(profile.get("events").get(0).get("timestamp").asText()).as("the view, newest").isEqualTo("2026-11-25T06:00:00Z");
        assertThat(BodeaScenarioIT.members(app, "ever-registered")).isEmpty();

        // A rule with no window: the registration counts from its time too.
        app.task("clock?set=2026-11-25T07:00:00Z");
        assertThat(BodeaScenarioIT.members(app, "ever-registered")).containsExactly("p3@townsend.com");
        assertThat(changes("ever-registered")).containsExactly("entered clock");
        assertThat(batches()).as("no record arrived: time alone").isEqualTo(stored);

        // The clock set back (a demo, a replay): the view is ahead again, and p3 exits.
        app.task("clock?set=2026-11-25T03:00:00Z");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
        assertThat(BodeaScenarioIT.members(app, "ever-registered")).isEmpty();

        // A restart on the same store, the clock past the view: p3 is in, from the store's events.
        app.stop();
        app.start();
        app.task("clock?set=2026-11-25T06:30:00Z");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com", "p3@townsend.com");
    }
}
