package io.cohort.destination.marketo;

import static io.cohort.destination.Changes.activation;
import static io.cohort.destination.Changes.add;
import static io.cohort.destination.Changes.remove;
import static io.cohort.destination.OutboxFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.destination.Activation;
import io.cohort.destination.Changes;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.DeliveryResult;
import io.cohort.destination.Destination;
import io.cohort.destination.Rejection;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.destination.fake.RecordedRequest;
import io.dropwizard.util.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Marketo adapter against a fake that answers as the REST docs say. */
class MarketoDestinationTest {
    final FakeMarketo fake = new FakeMarketo().list(42).lead(1001, "p2@townsend.com").lead(1003, "p3@acme.com").start();
    final Activation act = activation("mkto-hv", "marketo-1", Map.of("listId", "42"));

    @AfterEach void stop() { fake.stop(); }

    static MarketoDestinationFactory config(FakeMarketo fake) {
        MarketoDestinationFactory f = new MarketoDestinationFactory();
        f.setBaseUrl(fake.url());
        f.setClientId(FakeMarketo.CLIENT_ID);
        f.setClientSecret(FakeMarketo.CLIENT_SECRET);
        f.setSource("marketo-1");
        f.setRateWindow(Duration.milliseconds(300));
        return f;
    }

    Destination destination(MarketoDestinationFactory f) { return f.build("marketo-1", Changes.context()); }

    static JsonNode json(String s) throws Exception { return Changes.MAPPER.readTree(s); }

    @Test
    void addsAndRemovesLeadsWithTheDocumentedRequests() throws Exception {
        Destination d = destination(config(fake));

        assertThat(d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", ids("marketo-1", "1001")))).rejections()).isEmpty();
        assertThat(fake.members(42)).containsExactly(1001L);
        assertThat(d.deliver(act, List.of(remove(2, "p2", "p2@townsend.com", ids("marketo-1", "1001")))).rejections()).isEmpty();
        assertThat(fake.members(42)).isEmpty();

        List<RecordedRequest> reqs = fake.requests();
        assertThat(reqs).extracting(r -> r.method() + " " + r.path()).containsExactly(
                "GET /identity/oauth/token", "POST /rest/v1/lists/42/leads.json", "DELETE /rest/v1/lists/42/leads.json");
        RecordedRequest token = reqs.get(0);
        assertThat(token.query("grant_type")).containsExactly("client_credentials");
        assertThat(token.query("client_id")).containsExactly(FakeMarketo.CLIENT_ID);
        assertThat(token.query("client_secret")).containsExactly(FakeMarketo.CLIENT_SECRET);
        RecordedRequest addCall = reqs.get(1);
        assertThat(addCall.header("Authorization")).isEqualTo("Bearer tok-1:int");
        assertThat(addCall.header("Content-Type")).isEqualTo("application/json");
        assertThat(json(addCall.body())).isEqualTo(json("{\"input\":[{\"id\":1001}]}"));
        RecordedRequest removeCall = reqs.get(2);
        assertThat(removeCall.query("id")).containsExactly("1001");
        assertThat(removeCall.header("Authorization")).isEqualTo("Bearer tok-1:int");
    }

    @Test
    void refetchesTheTokenWhenMarketoSaysItExpiredOrIsInvalid() throws Exception {
        Destination d = destination(config(fake));
        d.deliver(act, List.of(add(1, "p2", null, ids("marketo-1", "1001"))));
        fake.expireTokens();
        d.deliver(act, List.of(remove(2, "p2", null, ids("marketo-1", "1001"))));
        fake.failNext(601, "Access token invalid");
        d.deliver(act, List.of(add(3, "p2", null, ids("marketo-1", "1001"))));

        assertThat(fake.tokensIssued()).isEqualTo(3);
        assertThat(fake.errorsSent(602)).isEqualTo(1);
        assertThat(fake.requests()).extracting(r -> r.method() + " " + r.path() + " " + r.status()).containsExactly(
                "GET /identity/oauth/token 200", "POST /rest/v1/lists/42/leads.json 200",
                "DELETE /rest/v1/lists/42/leads.json 200", // answered 602 in the body
                "GET /identity/oauth/token 200", "DELETE /rest/v1/lists/42/leads.json 200",
                "POST /rest/v1/lists/42/leads.json 200", // answered 601
                "GET /identity/oauth/token 200", "POST /rest/v1/lists/42/leads.json 200");
        assertThat(fake.requests().get(4).header("Authorization")).isEqualTo("Bearer tok-2:int");
        assertThat(fake.members(42)).containsExactly(1001L);
    }

    @Test
    void rateLimitAndConcurrencyErrorsAreRetriable() {
        Destination d = destination(config(fake));
        fake.failNext(606, "Max rate limit '100' exceeded with in '20' secs");
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", null, ids("marketo-1", "1001")))))
                .isInstanceOfSatisfying(DeliveryException.Retriable.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(java.time.Duration.ofMillis(300)))
                .hasMessageContaining("606");
        fake.failNext(615, "Concurrent access limit reached");
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", null, ids("marketo-1", "1001")))))
                .isInstanceOf(DeliveryException.Retriable.class).hasMessageContaining("615");
        assertThat(fake.members(42)).isEmpty();
    }

    @Test
    void keepsUnderTheRateLimitWithoutBeingTold() throws Exception {
        fake.rateLimit(3, java.time.Duration.ofMillis(500));
        MarketoDestinationFactory f = config(fake);
        f.setMaxCallsPerWindow(3);
        f.setRateWindow(Duration.milliseconds(500));
        Destination d = destination(f);
        for (int i = 0; i < 7; i++) {
            fake.lead(2000 + i, "r" + i + "@x.com");
            d.deliver(act, List.of(add(i, "r" + i, null, ids("marketo-1", String.valueOf(2000 + i)))));
        }
        assertThat(fake.errorsSent(606)).isZero();
        assertThat(fake.members(42)).hasSize(7);
    }

    @Test
    void twoIntegrationsOfOneInstanceShareItsBudget() throws Exception {
        // Marketo counts per instance: a second destination (or a source connector) of the same
        // instance must take its calls from the same budget, or together they exceed it.
        fake.rateLimit(3, java.time.Duration.ofMillis(500));
        MarketoDestinationFactory f = config(fake);
        f.setMaxCallsPerWindow(3);
        f.setRateWindow(Duration.milliseconds(500));
        io.cohort.destination.DestinationContext shared = Changes.context();
        Destination one = f.build("marketo-1", shared);
        Destination two = f.build("marketo-1-copy", shared);
        for (int i = 0; i < 8; i++) {
            fake.lead(3000 + i, "s" + i + "@x.com");
            (i % 2 == 0 ? one : two).deliver(act, List.of(add(i, "s" + i, null, ids("marketo-1", String.valueOf(3000 + i)))));
        }
        assertThat(fake.errorsSent(606)).isZero();
        assertThat(fake.members(42)).hasSize(8);
    }

    @Test
    void skippedLeadsAreRejectionsButANonMemberRemoveIsFine() throws Exception {
        Destination d = destination(config(fake));
        DeliveryResult r = d.deliver(act, List.of(
                add(1, "p2", null, ids("marketo-1", "1001")),
                add(2, "ghost", null, ids("marketo-1", "9999")),
                remove(3, "p3", null, ids("marketo-1", "1003"))));
        assertThat(r.rejections()).containsExactly(new Rejection("ghost", "lead 9999: 1004 Lead not found"));
        assertThat(fake.members(42)).containsExactly(1001L);
    }

    @Test
    void findsLeadsByEmailAndRejectsUnknownOnesWhenCreationIsOff() throws Exception {
        Destination d = destination(config(fake));
        DeliveryResult r = d.deliver(act, List.of(
                add(1, "p3", "P3@acme.com", Map.of()),
                add(2, "p9", "p9@nowhere.com", Map.of()),
                remove(3, "p8", "p8@nowhere.com", Map.of())));
        assertThat(r.rejections()).extracting(Rejection::personId).containsExactly("p9");
        assertThat(r.rejections().get(0).reason()).contains("no Marketo lead for p9@nowhere.com");
        assertThat(fake.members(42)).containsExactly(1003L);
        RecordedRequest lookup = fake.requests("GET", "/rest/v1/leads.json").get(0);
        assertThat(lookup.query("filterType")).containsExactly("email");
        assertThat(lookup.query("filterValues")).containsExactly("p3@acme.com,p9@nowhere.com,p8@nowhere.com");
        assertThat(fake.requests("POST", "/rest/v1/leads.json")).isEmpty();
    }

    @Test
    void aLeadThatOnePersonLeavesAndAnotherEntersInOneDeliveryStaysInTheList() throws Exception {
        // A merge: p3-old (the email's person until now) exits, p3-new (the merged person, same email) enters.
        Destination d = destination(config(fake));
        d.deliver(act, List.of(add(1, "p3-old", "p3@acme.com", Map.of())));
        assertThat(fake.members(42)).containsExactly(1003L);
        DeliveryResult r = d.deliver(act, List.of(
                remove(2, "p3-old", "p3@acme.com", Map.of()),
                add(3, "p3-new", "p3@acme.com", Map.of())));
        assertThat(r.rejections()).isEmpty();
        assertThat(fake.members(42)).as("p3-new is a member, and so is her lead").containsExactly(1003L);
    }

    @Test
    void remembersLeadsFoundByEmailAndLooksAgainWhenMarketoLostOne() throws Exception {
        Destination d = destination(config(fake));
        d.deliver(act, List.of(add(1, "p3", "p3@acme.com", Map.of())));
        d.deliver(act, List.of(remove(2, "p3", "p3@acme.com", Map.of())));
        d.deliver(act, List.of(add(3, "p3", "p3@acme.com", Map.of())));
        assertThat(fake.requests("GET", "/rest/v1/leads.json")).as("one lookup, then the cache").hasSize(1);
        assertThat(fake.members(42)).containsExactly(1003L);

        // Merged away in Marketo: the cached id is "not found"; the change looks again and lands.
        fake.deleteLead(1003).lead(7003, "p3@acme.com");
        DeliveryResult r = d.deliver(act, List.of(add(4, "p3", "p3@acme.com", Map.of())));
        assertThat(r.rejections()).isEmpty();
        assertThat(fake.members(42)).containsExactly(7003L);
        assertThat(fake.requests("GET", "/rest/v1/leads.json")).hasSize(2);
    }

    @Test
    void pacesCallsOverTheWindowInsteadOfSpendingItAtOnce() throws Exception {
        MarketoDestinationFactory f = config(fake);
        f.setMaxCallsPerWindow(10);
        f.setRateWindow(Duration.milliseconds(1000));
        Destination d = destination(f);
        long started = System.nanoTime();
        for (int i = 0; i < 6; i++) d.deliver(act, List.of(add(i, "p2", null, ids("marketo-1", "1001"))));
        // A burst of 1 (a tenth of 10), then one call per 100 ms: at least 5 gaps. (A lower bound:
        // a slow machine only makes it longer.) Unpaced, all 6 went out at once.
        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(450);
        assertThat(fake.errorsSent(606)).isZero();
    }

    @Test
    void createsMissingLeadsByEmailWhenConfigured() throws Exception {
        MarketoDestinationFactory f = config(fake);
        f.setCreateMissingLeads(true);
        Destination d = destination(f);
        DeliveryResult r = d.deliver(act, List.of(add(1, "p9", "p9@nowhere.com", Map.of())));
        assertThat(r.rejections()).isEmpty();
        Long created = fake.leadByEmail("p9@nowhere.com");
        assertThat(created).isNotNull();
        assertThat(fake.members(42)).containsExactly(created);
        RecordedRequest upsert = fake.requests("POST", "/rest/v1/leads.json").get(0);
        assertThat(json(upsert.body())).isEqualTo(json(
                "{\"action\":\"createOrUpdate\",\"lookupField\":\"email\",\"input\":[{\"email\":\"p9@nowhere.com\"}]}"));
    }

    @Test
    void unknownListAndBadCredentialsAreFatal() {
        Destination d = destination(config(fake));
        Activation noList = activation("mkto-x", "marketo-1", Map.of("listId", "77"));
        assertThatThrownBy(() -> d.deliver(noList, List.of(add(1, "p2", null, ids("marketo-1", "1001")))))
                .isInstanceOf(DeliveryException.Fatal.class).hasMessageContaining("1013");

        MarketoDestinationFactory wrong = config(fake);
        wrong.setClientSecret("nope");
        Destination bad = destination(wrong);
        assertThat(bad.check().ok()).isFalse();
        assertThat(bad.check().message()).contains("invalid_client");
        assertThatThrownBy(() -> bad.deliver(act, List.of(add(1, "p2", null, ids("marketo-1", "1001")))))
                .isInstanceOf(DeliveryException.Fatal.class);
        assertThat(d.check().ok()).isTrue();
    }

    @Test
    void downtimeIsRetriable() {
        Destination d = destination(config(fake));
        fake.stop();
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", null, ids("marketo-1", "1001")))))
                .isInstanceOf(DeliveryException.Retriable.class);
    }

    @Test
    void validatesTheListIdParam() {
        Destination d = destination(config(fake));
        assertThat(d.validateActivation(Map.of())).singleElement().asString().contains("listId");
        assertThat(d.validateActivation(Map.of("listId", "abc"))).singleElement().asString().contains("positive number");
        assertThat(d.validateActivation(Map.of("listId", "42"))).isEmpty();
        assertThat(d.maxBatchSize()).isEqualTo(300);
    }
}
