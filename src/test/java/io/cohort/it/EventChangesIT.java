package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events are evaluated on their own when nothing else of their component changes (Evaluator): an
 * added, moved, outdated or deleted event must leave the same audience as a full rebuild would.
 */
class EventChangesIT {
    @TempDir Path tmp;
    CohortApp app;

    @AfterEach void stop() { if (app != null) app.stop(); }

    private void event(String id, String personId, String timestamp, String url) {
        var r = app.post("/v1/sources/marketo-2/records", "application/json", """
                {"records":[{"type":"event","id":"%s","personId":"%s","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"%s","url":"%s"}]}""".formatted(id, personId, timestamp, url));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @Test
    void addMoveAgeAndDeleteAnEvent() throws Exception {
        app = new CohortApp(tmp).start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");

        event("E-1", "2002", "2026-11-24T09:00:00Z", "https://www.bodea.com/products/new");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com", "p3@townsend.com");

        // The same event re-stated as older than 30 days: p3 exits.
        event("E-1", "2002", "2026-10-01T09:00:00Z", "https://www.bodea.com/products/new");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");

        // Recent again, then moved to p2's Marketo 2 lead (2001): p3 out, p2 stays.
        event("E-1", "2002", "2026-11-24T09:00:00Z", "https://www.bodea.com/products/new");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com", "p3@townsend.com");
        event("E-1", "2001", "2026-11-24T09:00:00Z", "https://www.bodea.com/products/new");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");

        // Deleting p2's only qualifying visit (marketo-1 A-90001) leaves only E-1 for p2.
        app.post("/v1/sources/marketo-1/records", "application/json",
                "{\"records\":[{\"type\":\"event\",\"id\":\"A-90001\",\"deleted\":true}]}");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
        app.post("/v1/sources/marketo-2/records", "application/json",
                "{\"records\":[{\"type\":\"event\",\"id\":\"E-1\",\"deleted\":true}]}");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).isEmpty();

        // An event of a lead that has no person record is no fact; once the lead arrives, it counts.
        event("E-2", "2999", "2026-11-24T09:00:00Z", "https://www.bodea.com/products/new");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).isEmpty();
        app.post("/v1/sources/marketo-2/records", "application/json",
                "{\"records\":[{\"type\":\"person\",\"id\":\"2999\",\"email\":\"p3@townsend.com\"}]}");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p3@townsend.com");

        // A person update (the component keeps its event facts) and an event in the same batch.
        var r = app.post("/v1/sources/marketo-2/records", "application/json", """
                {"records":[{"type":"person","id":"2001","email":"p2@townsend.com","title":"CEO"},
                 {"type":"event","id":"E-3","personId":"2001","eventType":"web.webpagedetails.pageViews",
                  "timestamp":"2026-11-24T09:00:00Z","url":"https://www.bodea.com/products/new"}]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com", "p3@townsend.com");
        // Deal updates rebuild the component without its events; the events still count.
        app.post("/v1/sources/crm-2/records", "application/json",
                "{\"records\":[{\"type\":\"opportunity\",\"id\":\"006-O2\",\"accountId\":\"001-T2\",\"amount\":900001,\"isWon\":true,\"isClosed\":true}]}");
        app.settle();
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com", "p3@townsend.com");

        // Restart: the same audience from the store.
        app.stop();
        app.start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com", "p3@townsend.com");
    }
}
