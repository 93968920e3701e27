package io.cohort.destination.marketo;

import static io.cohort.destination.OutboxFixture.await;
import static io.cohort.destination.OutboxFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.destination.ActivationConfig;
import io.cohort.destination.ActivationStatus;
import io.cohort.destination.Changes;
import io.cohort.destination.DestinationFactory;
import io.cohort.destination.Destinations;
import io.cohort.destination.OutboxFixture;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.destination.fake.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Outbox → dispatcher → Marketo adapter → fake Marketo, with the real schema in H2. */
class MarketoActivationTest {
    static final Duration DEADLINE = Duration.ofSeconds(15);
    final FakeMarketo fake = new FakeMarketo().list(42).start();
    final OutboxFixture db = new OutboxFixture();
    final List<Destinations> started = new ArrayList<>();

    @AfterEach void stop() throws Exception {
        for (Destinations d : started) d.stop();
        fake.stop();
    }

    Destinations start(int batchSize, ActivationConfig... activations) {
        MarketoDestinationFactory f = MarketoDestinationTest.config(fake);
        f.setBatchSize(batchSize);
        Destinations d = new Destinations(Map.<String, DestinationFactory>of("marketo-1", f), List.of(activations),
                Changes.fastDispatcher(), db.jdbi, Changes.context());
        d.start();
        started.add(d);
        return d;
    }

    static ActivationConfig activation(String id, long listId) {
        return new ActivationConfig(id, "high-value-new-product", "marketo-1", Map.of("listId", String.valueOf(listId)));
    }

    @Test
    void everyDeltaWrittenDuringDowntimeArrivesInOrderAfterwards() {
        for (int i = 1; i <= 4; i++) fake.lead(1000 + i, "p" + i + "@townsend.com");
        Destinations d = start(1, activation("mkto-hv", 42));
        db.add("mkto-hv", "p1", "p1@townsend.com", ids("marketo-1", "1001"));
        d.wakeUp("mkto-hv");
        await("p1 in the list", DEADLINE, () -> fake.members(42).contains(1001L));

        fake.stop();
        db.add("mkto-hv", "p2", "p2@townsend.com", ids("marketo-1", "1002"));
        db.add("mkto-hv", "p3", "p3@townsend.com", ids("marketo-1", "1003"));
        db.remove("mkto-hv", "p1", "p1@townsend.com", ids("marketo-1", "1001"));
        db.add("mkto-hv", "p4", "p4@townsend.com", ids("marketo-1", "1004"));
        d.wakeUp("mkto-hv");
        await("a failed attempt recorded", DEADLINE, () -> db.row("mkto-hv", "p2").attempts() > 0);
        assertThat(db.row("mkto-hv", "p3").attempts()).isZero(); // nothing overtook p2
        fake.clearRequests();
        fake.start();

        await("outbox drained", DEADLINE, () -> db.pending("mkto-hv") == 0);
        List<String> calls = fake.requests().stream().filter(r -> r.path().startsWith("/rest/"))
                .map(MarketoActivationTest::call).toList();
        assertThat(calls).containsExactly("POST 1002", "POST 1003", "DELETE 1001", "POST 1004");
        assertThat(fake.members(42)).containsExactlyInAnyOrder(1002L, 1003L, 1004L);
        assertThat(db.row("mkto-hv", "p2").lastError()).isNull();
    }

    static String call(RecordedRequest r) {
        String id = r.method().equals("DELETE") ? r.query("id").get(0)
                : r.body().replaceAll("\\D+", " ").trim();
        return r.method() + " " + id;
    }

    @Test
    void rateLimitAndConcurrencyErrorsDelayButDoNotLoseChanges() {
        fake.lead(1001, "p2@townsend.com").lead(1002, "p3@townsend.com");
        fake.failNext(606, "Max rate limit '100' exceeded with in '20' secs").failNext(615, "Concurrent access limit reached");
        Destinations d = start(300, activation("mkto-hv", 42));
        db.add("mkto-hv", "p2", "p2@townsend.com", ids("marketo-1", "1001"));
        db.add("mkto-hv", "p3", "p3@townsend.com", ids("marketo-1", "1002"));
        d.wakeUp();
        await("both delivered", DEADLINE, () -> db.pending("mkto-hv") == 0);
        assertThat(fake.members(42)).containsExactlyInAnyOrder(1001L, 1002L);
        assertThat(fake.errorsSent(606)).isEqualTo(1);
        assertThat(fake.errorsSent(615)).isEqualTo(1);
    }

    @Test
    void aMergedAwayPersonsExitDeliveredAfterTheMergedPersonsEntryKeepsTheLead() {
        fake.lead(1003, "p3@townsend.com");
        Destinations d = start(1, activation("mkto-hv", 42));
        db.add("mkto-hv", "p3-old", "p3@townsend.com", ids("marketo-1", "1003"));
        d.wakeUp("mkto-hv");
        await("p3-old delivered", DEADLINE, () -> db.pending("mkto-hv") == 0);
        // The merge, over two deliveries: the merged person enters, then the old one exits.
        db.add("mkto-hv", "p3-new", "P3@Townsend.com ", ids("marketo-1", "1003"));
        d.wakeUp("mkto-hv");
        await("p3-new delivered", DEADLINE, () -> db.pending("mkto-hv") == 0);
        db.remove("mkto-hv", "p3-old", "p3@townsend.com", ids("marketo-1", "1003"));
        d.wakeUp("mkto-hv");
        await("p3-old's exit delivered", DEADLINE, () -> db.pending("mkto-hv") == 0);
        assertThat(fake.members(42)).as("p3-new is a member, and so is her lead").containsExactly(1003L);
        assertThat(fake.requests("DELETE", "/rest/v1/lists/42/leads.json")).isEmpty();

        // The merged person leaves too: now nobody wants the email, the lead goes.
        db.remove("mkto-hv", "p3-new", "p3@townsend.com", ids("marketo-1", "1003"));
        d.wakeUp("mkto-hv");
        await("p3-new's exit delivered", DEADLINE, () -> db.pending("mkto-hv") == 0);
        assertThat(fake.members(42)).isEmpty();
    }

    @Test
    void enterThenExitBeforeDeliveryNeverReachesTheList() {
        fake.lead(1001, "p2@townsend.com");
        db.add("mkto-hv", "p2", "p2@townsend.com", ids("marketo-1", "1001"));
        db.remove("mkto-hv", "p2", "p2@townsend.com", ids("marketo-1", "1001"));
        start(300, activation("mkto-hv", 42));
        await("row done", DEADLINE, () -> db.pending("mkto-hv") == 0);
        assertThat(fake.requests().stream().filter(r -> r.path().startsWith("/rest/"))).isEmpty();
        assertThat(fake.members(42)).isEmpty();
    }

    @Test
    void aFatalActivationStopsAloneAndShowsInStatusAndHealth() throws Exception {
        fake.lead(1001, "p2@townsend.com");
        Destinations d = start(300, activation("mkto-hv", 42), activation("mkto-broken", 77));
        db.add("mkto-broken", "p2", "p2@townsend.com", ids("marketo-1", "1001"));
        db.add("mkto-hv", "p2", "p2@townsend.com", ids("marketo-1", "1001"));
        d.wakeUp();
        // The row is marked delivered in the database a moment before the dispatcher records the
        // success in its status: wait for both.
        await("mkto-hv delivered", DEADLINE,
                () -> db.pending("mkto-hv") == 0 && status(d, "mkto-hv").lastSuccessAt() != null);
        await("mkto-broken failed", DEADLINE, () -> status(d, "mkto-broken").failed());

        ActivationStatus broken = status(d, "mkto-broken");
        assertThat(broken.pending()).isEqualTo(1);
        assertThat(broken.lastError()).contains("1013");
        ActivationStatus ok = status(d, "mkto-hv");
        assertThat(ok.failed()).isFalse();
        assertThat(ok.lastSuccessAt()).isNotNull();
        HealthCheck.Result health = d.healthChecks().get("destination-marketo-1").execute();
        assertThat(health.isHealthy()).isFalse();
        assertThat(health.getMessage()).contains("mkto-broken").doesNotContain("mkto-hv");
        assertThat(d.status().get(0).health().ok()).isTrue();

        fake.list(77); // the operator creates the list, then asks for a retry
        d.retryNow("mkto-broken");
        await("mkto-broken recovered", DEADLINE, () -> db.pending("mkto-broken") == 0);
        assertThat(status(d, "mkto-broken").failed()).isFalse();
        assertThat(d.healthChecks().get("destination-marketo-1").execute().isHealthy()).isTrue();
    }

    @Test
    void replayResendsAndARestartResumesPendingRows() throws Exception {
        fake.lead(1001, "p2@townsend.com").lead(1002, "p3@townsend.com");
        Destinations first = start(300, activation("mkto-hv", 42));
        db.add("mkto-hv", "p2", "p2@townsend.com", ids("marketo-1", "1001"));
        first.wakeUp();
        await("p2 delivered", DEADLINE, () -> db.pending("mkto-hv") == 0);
        first.stop();
        started.remove(first);

        db.add("mkto-hv", "p3", "p3@townsend.com", ids("marketo-1", "1002")); // while we are down
        Destinations second = start(300, activation("mkto-hv", 42));
        await("p3 delivered after restart", DEADLINE, () -> fake.members(42).contains(1002L));

        await("drained", DEADLINE, () -> db.pending("mkto-hv") == 0);
        fake.clearRequests();
        assertThat(second.replay("mkto-hv")).isEqualTo(2);
        await("replayed", DEADLINE, () -> db.pending("mkto-hv") == 0 && !fake.requests("POST", "/rest/").isEmpty());
        assertThat(fake.requests("POST", "/rest/v1/lists/42/leads.json").get(0).body())
                .contains("1001").contains("1002");
    }

    static ActivationStatus status(Destinations d, String activation) {
        return d.status().stream().flatMap(s -> s.activations().stream()).filter(a -> a.id().equals(activation))
                .findFirst().orElseThrow();
    }
}
