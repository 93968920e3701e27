package io.cohort.destination.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.cohort.destination.Changes.activation;
import static io.cohort.destination.Changes.add;
import static io.cohort.destination.Changes.remove;
import static io.cohort.destination.OutboxFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.cohort.destination.Activation;
import io.cohort.destination.ActivationConfig;
import io.cohort.destination.ActivationStatus;
import io.cohort.destination.Changes;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationFactory;
import io.cohort.destination.Destinations;
import io.cohort.destination.OutboxFixture;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The webhook adapter against WireMock. */
class WebhookDestinationTest {
    final WireMockServer server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    final Activation act = activation("wh-hv", "webhook", Map.of());

    WebhookDestinationTest() {
        server.start();
        server.stubFor(head(urlEqualTo("/hook")).willReturn(aResponse().withStatus(405))); // the connection check
    }

    @AfterEach void stop() { server.stop(); }

    WebhookDestinationFactory config() {
        WebhookDestinationFactory f = new WebhookDestinationFactory();
        f.setUrl(server.baseUrl() + "/hook");
        f.setSecret("whsec");
        f.setHeaders(Map.of("X-Api-Key", "k1"));
        return f;
    }

    static String hmac(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("whsec".getBytes(), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void postsASignedBatchWithAStableDeliveryId() throws Exception {
        server.stubFor(post("/hook").willReturn(aResponse().withStatus(204)));
        Destination d = config().build("webhook", Changes.context());
        var batch = List.of(add(7, "p2", "p2@townsend.com", Map.of()), remove(9, "p3", null, Map.of()));
        d.deliver(act, batch);
        d.deliver(act, batch); // a redelivery

        List<LoggedRequest> reqs = server.findAll(postRequestedFor(urlEqualTo("/hook")));
        assertThat(reqs).hasSize(2);
        LoggedRequest r = reqs.get(0);
        assertThat(r.getHeader("X-Cohort-Signature")).isEqualTo("sha256=" + hmac(r.getBody()));
        assertThat(r.getHeader("X-Cohort-Delivery")).isEqualTo("wh-hv:7-9");
        assertThat(r.getHeader("X-Api-Key")).isEqualTo("k1");
        assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(Changes.MAPPER.readTree(r.getBodyAsString())).isEqualTo(Changes.MAPPER.readTree("""
                {"deliveryId":"wh-hv:7-9","activation":"wh-hv","segment":"high-value-new-product","changes":[
                 {"seq":7,"personId":"p2","action":"add","email":"p2@townsend.com","at":"2023-11-14T22:13:20.007Z"},
                 {"seq":9,"personId":"p3","action":"remove","email":null,"at":"2023-11-14T22:13:20.009Z"}]}"""));
        assertThat(reqs.get(1).getHeader("X-Cohort-Delivery")).isEqualTo("wh-hv:7-9");
        assertThat(reqs.get(1).getBodyAsString()).isEqualTo(r.getBodyAsString());
    }

    @Test
    void mapsStatusesToRetriableOrFatalAndHonoursTheUrlOverride() {
        server.stubFor(post("/gone").willReturn(aResponse().withStatus(410)));
        server.stubFor(post("/slow").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "3")));
        server.stubFor(post("/timeout").willReturn(aResponse().withStatus(408)));
        server.stubFor(post("/broken").willReturn(aResponse().withStatus(502)));
        Destination d = config().build("webhook", Changes.context());
        var batch = List.of(add(1, "p2", "p2@townsend.com", Map.of()));

        assertThatThrownBy(() -> d.deliver(over("/gone"), batch)).isInstanceOf(DeliveryException.Fatal.class).hasMessageContaining("410");
        assertThatThrownBy(() -> d.deliver(over("/slow"), batch)).isInstanceOfSatisfying(DeliveryException.Retriable.class,
                e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3)));
        assertThatThrownBy(() -> d.deliver(over("/timeout"), batch)).isInstanceOf(DeliveryException.Retriable.class);
        assertThatThrownBy(() -> d.deliver(over("/broken"), batch)).isInstanceOf(DeliveryException.Retriable.class);
        assertThat(d.validateActivation(Map.of("url", "not a url"))).hasSize(1);
        assertThat(d.validateActivation(Map.of("url", server.baseUrl() + "/x"))).isEmpty();
        assertThat(d.check().ok()).isTrue();
        assertThat(d.check().message()).contains("405");
    }

    /**
     * What a receiver, or whatever answers at its URL, may send back (hostile campaign, destination
     * side): a redirect was followed as a GET whose 200 counted as the delivery, and a Retry-After
     * past what a long holds threw in the dispatcher, which then sent again at every poll.
     */
    @Test
    void aRedirectIsAFailureNamingItAndAHugeRetryAfterWaitsADay() throws Exception {
        server.stubFor(post("/moved").willReturn(aResponse().withStatus(302).withHeader("Location", server.baseUrl() + "/login")));
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/login").willReturn(aResponse().withStatus(200)));
        server.stubFor(post("/busy").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "9223372036854775807")));
        OutboxFixture db = new OutboxFixture();
        Destinations ds = new Destinations(Map.<String, DestinationFactory>of("webhook", config()), List.of(
                new ActivationConfig("wh-moved", "high-value-new-product", "webhook", Map.of("url", server.baseUrl() + "/moved")),
                new ActivationConfig("wh-busy", "high-value-new-product", "webhook", Map.of("url", server.baseUrl() + "/busy"))),
                Changes.fastDispatcher(), db.jdbi, Changes.context());
        db.add("wh-moved", "p2", "p2@townsend.com", Map.of());
        db.add("wh-busy", "p2", "p2@townsend.com", Map.of());
        long before = System.currentTimeMillis();
        ds.start();
        try {
            ds.wakeUp();
            await("wh-moved failed", Duration.ofSeconds(10), () -> status(ds, "wh-moved").failed());
            assertThat(status(ds, "wh-moved").pending()).isEqualTo(1);
            assertThat(status(ds, "wh-moved").lastError()).contains("302").contains("redirect to '" + server.baseUrl() + "/login'");
            await("wh-busy tried", Duration.ofSeconds(10), () -> db.row("wh-busy", "p2").attempts() > 0);
            Thread.sleep(1_000); // ten of the fast dispatcher's polls
            assertThat(server.findAll(postRequestedFor(urlEqualTo("/busy")))).as("asked to wait, sent once").hasSize(1);
            long next = db.row("wh-busy", "p2").nextAttemptAt();
            assertThat(next - before).isBetween(Duration.ofHours(23).toMillis(), Duration.ofHours(25).toMillis());
        } finally {
            ds.stop();
        }
        assertThat(server.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlEqualTo("/login")))).isEmpty();
        // The connection check says so before any delivery.
        server.stubFor(head(urlEqualTo("/moved")).willReturn(aResponse().withStatus(301).withHeader("Location", server.baseUrl() + "/login")));
        WebhookDestinationFactory moved = config();
        moved.setUrl(server.baseUrl() + "/moved");
        var check = moved.build("webhook", Changes.context()).check();
        assertThat(check.ok()).isFalse();
        assertThat(check.message()).contains("301").contains("redirect to '" + server.baseUrl() + "/login'");
    }

    Activation over(String path) { return activation("wh-hv", "webhook", Map.of("url", server.baseUrl() + path)); }

    @Test
    void retriesThroughAnOutageAndAFatalActivationDoesNotStopTheOthers() throws Exception {
        server.stubFor(post("/hook").inScenario("outage").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        server.stubFor(post("/hook").inScenario("outage").whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        server.stubFor(post("/denied").willReturn(aResponse().withStatus(401)));
        OutboxFixture db = new OutboxFixture();
        Destinations ds = new Destinations(Map.<String, DestinationFactory>of("webhook", config()), List.of(
                new ActivationConfig("wh-hv", "high-value-new-product", "webhook", Map.of()),
                new ActivationConfig("wh-denied", "high-value-new-product", "webhook", Map.of("url", server.baseUrl() + "/denied"))),
                Changes.fastDispatcher(), db.jdbi, Changes.context());
        // All three rows before the dispatchers start: one started earlier could send p2 alone, and its
        // retry would gather p3 too (a retry sends what is pending then, which is right, but not what this checks).
        db.add("wh-denied", "p2", "p2@townsend.com", Map.of());
        db.add("wh-hv", "p2", "p2@townsend.com", Map.of());
        db.add("wh-hv", "p3", "p3@townsend.com", Map.of());
        ds.start();
        try {
            ds.wakeUp();
            await("wh-hv delivered", Duration.ofSeconds(10), () -> db.pending("wh-hv") == 0);
            await("wh-denied failed", Duration.ofSeconds(10), () -> status(ds, "wh-denied").failed());
            assertThat(status(ds, "wh-denied").pending()).isEqualTo(1);
            assertThat(status(ds, "wh-hv").failed()).isFalse();
        } finally {
            ds.stop();
        }
        List<LoggedRequest> hook = server.findAll(postRequestedFor(urlEqualTo("/hook")));
        assertThat(hook).hasSize(2); // the 503, then the same batch again
        assertThat(hook.get(1).getBodyAsString()).isEqualTo(hook.get(0).getBodyAsString());
        server.verify(1, postRequestedFor(urlEqualTo("/denied")).withHeader("X-Cohort-Delivery", equalTo("wh-denied:1-1")));
    }

    static ActivationStatus status(Destinations d, String id) {
        return d.status().stream().flatMap(s -> s.activations().stream()).filter(a -> a.id().equals(id)).findFirst().orElseThrow();
    }
}
