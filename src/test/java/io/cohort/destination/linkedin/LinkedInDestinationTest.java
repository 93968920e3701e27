package io.cohort.destination.linkedin;

import static io.cohort.destination.Changes.activation;
import static io.cohort.destination.Changes.add;
import static io.cohort.destination.Changes.remove;
import static io.cohort.destination.OutboxFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.destination.Activation;
import io.cohort.destination.ActivationConfig;
import io.cohort.destination.Changes;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.DeliveryResult;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationFactory;
import io.cohort.destination.Destinations;
import io.cohort.destination.OutboxFixture;
import io.cohort.destination.Rejection;
import io.cohort.destination.fake.FakeLinkedIn;
import io.cohort.destination.fake.RecordedRequest;
import io.dropwizard.util.Duration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The LinkedIn adapter against a fake DMP segment API. */
class LinkedInDestinationTest {
    static final String URN = "urn:li:sponsoredAccount:123";
    final FakeLinkedIn fake = new FakeLinkedIn().start();
    final Activation act = activation("li-hv", "linkedin", Map.of("adAccount", URN, "segmentName", "High value"));

    @AfterEach void stop() { fake.stop(); }

    LinkedInDestinationFactory config() {
        LinkedInDestinationFactory f = new LinkedInDestinationFactory();
        f.setBaseUrl(fake.baseUrl());
        f.setAccessToken(FakeLinkedIn.TOKEN);
        f.setLinkedinVersion("202411");
        f.setSegmentReadyDelay(Duration.milliseconds(0));
        f.setSourcePlatform("COHORT");
        return f;
    }

    Destination destination(LinkedInDestinationFactory f) {
        Destination d = f.build("linkedin", Changes.context());
        assertThat(d.validateActivation(act.params())).isEmpty();
        return d;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode json(String s) throws Exception { return Changes.MAPPER.readTree(s); }

    /** The "li-hv" activation dispatched from {@code db}'s outbox one change per call, started. */
    Destinations dispatching(OutboxFixture db) {
        LinkedInDestinationFactory f = config();
        f.setBatchSize(1);
        Destinations ds = new Destinations(Map.<String, DestinationFactory>of("linkedin", f),
                List.of(new ActivationConfig("li-hv", "high-value-new-product", "linkedin",
                        Map.of("adAccount", "123", "segmentName", "High value"))),
                Changes.fastDispatcher(), db.jdbi, Changes.context());
        ds.start();
        return ds;
    }

    @Test
    void createsTheSegmentThenStreamsHashedEmailsWithTheDocumentedRequests() throws Exception {
        Destination d = destination(config());
        String p2 = sha256("p2@townsend.com");

        assertThat(d.deliver(act, List.of(add(1, "p2", " P2@Townsend.com ", Map.of()))).rejections()).isEmpty();
        FakeLinkedIn.Segment segment = fake.segment(URN, "High value");
        assertThat(segment.users()).containsExactly(p2);
        d.deliver(act, List.of(remove(2, "p2", "p2@townsend.com", Map.of())));
        assertThat(segment.users()).isEmpty();

        List<RecordedRequest> reqs = fake.requests();
        assertThat(reqs).extracting(r -> r.method() + " " + r.path() + " " + r.status()).containsExactly(
                "GET /rest/dmpSegments 200", "POST /rest/dmpSegments 201",
                "POST /rest/dmpSegments/" + segment.id() + "/users 200",
                "POST /rest/dmpSegments/" + segment.id() + "/users 200");
        for (RecordedRequest r : reqs) {
            assertThat(r.header("Authorization")).isEqualTo("Bearer " + FakeLinkedIn.TOKEN);
            assertThat(r.header("LinkedIn-Version")).isEqualTo("202411");
            assertThat(r.header("X-Restli-Protocol-Version")).isEqualTo("2.0.0");
        }
        assertThat(reqs.get(0).query("q")).containsExactly("account");
        assertThat(reqs.get(0).query("account")).containsExactly(URN);
        assertThat(reqs.get(0).query("start")).containsExactly("0");
        assertThat(reqs.get(0).query("count")).containsExactly(String.valueOf(LinkedInDestination.PAGE_SIZE));
        assertThat(json(reqs.get(1).body())).isEqualTo(json("{\"name\":\"High value\",\"account\":\"" + URN
                + "\",\"type\":\"USER\",\"accessPolicy\":\"PRIVATE\",\"destinations\":[{\"destination\":\"LINKEDIN\"}],"
                + "\"sourcePlatform\":\"COHORT\"}"));
        RecordedRequest users = reqs.get(2);
        assertThat(users.header("X-RestLi-Method")).isEqualTo("BATCH_CREATE");
        assertThat(json(users.body())).isEqualTo(json("{\"elements\":[{\"action\":\"ADD\",\"userIds\":"
                + "[{\"idType\":\"SHA256_EMAIL\",\"idValue\":\"" + p2 + "\"}]}]}"));
        assertThat(json(reqs.get(3).body()).path("elements").path(0).path("action").asText()).isEqualTo("REMOVE");
    }

    @Test
    void usesAnExistingSegmentFoundByNameAndSendsTheConfiguredSourcePlatformWhenCreating() throws Exception {
        FakeLinkedIn.Segment existing = fake.existingSegment(URN, "High value");
        LinkedInDestinationFactory f = config();
        f.setSourcePlatform("COHORT_PARTNER");
        Destination d = destination(f);
        Activation byNumber = activation("li-hv", "linkedin", Map.of("adAccount", "123", "segmentName", "High value"));
        d.deliver(byNumber, List.of(add(1, "p2", "p2@townsend.com", Map.of())));
        d.deliver(byNumber, List.of(add(2, "p3", "p3@townsend.com", Map.of())));

        assertThat(existing.users()).hasSize(2);
        assertThat(fake.requests("GET", "/rest/dmpSegments")).hasSize(1); // cached afterwards
        assertThat(fake.requests("POST", "/rest/dmpSegments")).extracting(RecordedRequest::path)
                .containsOnly("/rest/dmpSegments/" + existing.id() + "/users");

        d.deliver(activation("li-new", "linkedin", Map.of("adAccount", "123", "segmentName", "Other")),
                List.of(add(3, "p2", "p2@townsend.com", Map.of())));
        assertThat(fake.segment(URN, "Other").created().path("sourcePlatform").asText()).isEqualTo("COHORT_PARTNER");
    }

    @Test
    void findsItsSegmentOnALaterPageInsteadOfCreatingADuplicate() throws Exception {
        for (int i = 0; i < 2 * LinkedInDestination.PAGE_SIZE + 5; i++) fake.existingSegment(URN, "Other segment " + i);
        FakeLinkedIn.Segment mine = fake.existingSegment(URN, "High value");
        Destination d = destination(config());
        d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of())));

        assertThat(mine.users()).containsExactly(sha256("p2@townsend.com"));
        assertThat(fake.segments()).hasSize(2 * LinkedInDestination.PAGE_SIZE + 6);
        assertThat(fake.requests("POST", "/rest/dmpSegments")).extracting(RecordedRequest::path)
                .containsOnly("/rest/dmpSegments/" + mine.id() + "/users");
        assertThat(fake.requests("GET", "/rest/dmpSegments")).extracting(r -> r.query("start").get(0))
                .containsExactly("0", "100", "200");
    }

    @Test
    void pagesToTheEndBeforeCreatingAndThenFindsTheCreatedSegmentAfterARestart() throws Exception {
        for (int i = 0; i < 12; i++) fake.existingSegment(URN, "Other segment " + i);
        destination(config()).deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of())));
        assertThat(fake.segments()).hasSize(13);

        // A new process (nothing cached) must find the segment it created, not make a second one.
        fake.clearRequests();
        destination(config()).deliver(act, List.of(add(2, "p3", "p3@townsend.com", Map.of())));
        assertThat(fake.segments()).hasSize(13);
        assertThat(fake.segment(URN, "High value").users()).hasSize(2);
        assertThat(fake.requests("POST", "/rest/dmpSegments")).extracting(RecordedRequest::path)
                .allMatch(path -> path.endsWith("/users"));
    }

    @Test
    void sourcePlatformIsRequiredAtStartAndTheFakeRefusesASegmentWithoutIt() throws Exception {
        LinkedInDestinationFactory f = config();
        f.setSourcePlatform(null);
        assertThatThrownBy(() -> f.build("linkedin", Changes.context()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sourcePlatform is required");
        var violations = io.dropwizard.jersey.validation.Validators.newValidator().validate(f);
        assertThat(violations).extracting(v -> v.getPropertyPath() + " " + v.getMessage())
                .anyMatch(m -> m.startsWith("sourcePlatform is required"));
        f.setSourcePlatform("cohort partner");
        assertThat(io.dropwizard.jersey.validation.Validators.newValidator().validate(f))
                .extracting(v -> v.getPropertyPath() + " " + v.getMessage())
                .anyMatch(m -> m.startsWith("sourcePlatform must be LinkedIn's enum value"));

        // What LinkedIn answers a create without it (the reason it is required).
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(fake.baseUrl() + "/dmpSegments"))
                .header("Authorization", "Bearer " + FakeLinkedIn.TOKEN).header("LinkedIn-Version", "202411")
                .header("X-Restli-Protocol-Version", "2.0.0").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"account\":\"" + URN
                        + "\",\"type\":\"USER\",\"accessPolicy\":\"PRIVATE\",\"destinations\":[{\"destination\":\"LINKEDIN\"}]}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("Required field(s) missing: /sourcePlatform");
    }

    @Test
    void aFreshSegmentAnswering404IsRetriedUntilItIsReady() throws Exception {
        fake.readyDelay(java.time.Duration.ofMillis(300));
        Destination d = destination(config());
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of()))))
                .isInstanceOf(DeliveryException.Retriable.class).hasMessageContaining("404").hasMessageContaining("just created");
        await("segment ready", java.time.Duration.ofSeconds(5), () -> {
            try {
                return d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of()))).rejections().isEmpty();
            } catch (DeliveryException.Retriable e) {
                return false;
            } catch (DeliveryException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(fake.segments()).hasSize(1);
        assertThat(fake.segments().get(0).users()).containsExactly(sha256("p2@townsend.com"));
    }

    @Test
    void waitsTheDocumentedDelayAfterCreatingASegment() {
        LinkedInDestinationFactory f = config();
        f.setSegmentReadyDelay(Duration.seconds(5));
        Destination d = destination(f);
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of()))))
                .isInstanceOfSatisfying(DeliveryException.Retriable.class, e -> assertThat(e.retryAfter())
                        .isBetween(java.time.Duration.ofSeconds(4), java.time.Duration.ofSeconds(5)));
        assertThat(fake.requests("POST", "/rest/dmpSegments/")).isEmpty();
    }

    @Test
    void throttlingAndServerErrorsAreRetriableAndA401IsFatal() throws Exception {
        fake.existingSegment(URN, "High value");
        Destination d = destination(config());
        fake.failNext(429, "7");
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of()))))
                .isInstanceOfSatisfying(DeliveryException.Retriable.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(7)));
        fake.failNext(503, null);
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of()))))
                .isInstanceOf(DeliveryException.Retriable.class).hasMessageContaining("503");
        fake.failNext(401, null);
        assertThatThrownBy(() -> d.deliver(act, List.of(add(1, "p2", "p2@townsend.com", Map.of()))))
                .isInstanceOf(DeliveryException.Fatal.class).hasMessageContaining("401");

        LinkedInDestinationFactory wrong = config();
        wrong.setAccessToken("expired");
        assertThat(destination(wrong).check().ok()).isFalse();
        assertThat(d.check().ok()).isTrue();
    }

    @Test
    void membersWithoutEmailAndRefusedElementsAreRejections() throws Exception {
        fake.rejectHash(sha256("p3@townsend.com"), "member opted out");
        Destination d = destination(config());
        DeliveryResult r = d.deliver(act, List.of(
                add(1, "p1", null, Map.of("marketo-1", List.of("1000"))),
                add(2, "p2", "p2@townsend.com", Map.of()),
                add(3, "p3", "p3@townsend.com", Map.of())));
        assertThat(r.rejections()).containsExactly(
                new Rejection("p1", "no email: LinkedIn matches members by hashed email"),
                new Rejection("p3", "LinkedIn element status 422: member opted out"));
        assertThat(fake.segment(URN, "High value").users()).containsExactly(sha256("p2@townsend.com"));
    }

    @Test
    void validatesParams() {
        Destination d = config().build("linkedin", Changes.context());
        assertThat(d.validateActivation(Map.of("adAccount", "acme"))).hasSize(2);
        assertThat(d.validateActivation(Map.of("adAccount", "123", "segmentName", "x"))).isEmpty();
        assertThat(d.maxBatchSize()).isEqualTo(5000);
    }

    @Test
    void aMergedAwayPersonsExitNeverRemovesTheEmailOfTheMergedMember() throws Exception {
        OutboxFixture db = new OutboxFixture();
        Destinations ds = dispatching(db);
        java.time.Duration deadline = java.time.Duration.ofSeconds(10);
        try {
            db.add("li-hv", "p1-old", "p1@townsend.com", Map.of());
            ds.wakeUp();
            await("p1-old delivered", deadline, () -> db.pending("li-hv") == 0);
            // A merge over two deliveries: the merged person enters, the old one exits afterwards.
            db.add("li-hv", "p1-new", "p1@townsend.com", Map.of());
            ds.wakeUp();
            await("p1-new delivered", deadline, () -> db.pending("li-hv") == 0);
            db.remove("li-hv", "p1-old", "p1@townsend.com", Map.of());
            ds.wakeUp();
            await("p1-old's exit done", deadline, () -> db.pending("li-hv") == 0);
            assertThat(fake.segment(URN, "High value").users()).containsExactly(sha256("p1@townsend.com"));
            // The exit written first, both pending: the removal is sent while p2-new is wanted.
            db.add("li-hv", "p2-old", "p2@townsend.com", Map.of());
            ds.wakeUp();
            await("p2-old delivered", deadline, () -> db.pending("li-hv") == 0);
            db.remove("li-hv", "p2-old", "p2@townsend.com", Map.of());
            db.add("li-hv", "p2-new", "p2@townsend.com", Map.of());
            ds.wakeUp();
            await("the p2 merge done", deadline, () -> db.pending("li-hv") == 0);
            assertThat(fake.segment(URN, "High value").users())
                    .containsExactlyInAnyOrder(sha256("p1@townsend.com"), sha256("p2@townsend.com"));
            // Nobody wants p1's email any more: it goes.
            db.remove("li-hv", "p1-new", "p1@townsend.com", Map.of());
            ds.wakeUp();
            await("p1-new's exit done", deadline, () -> db.pending("li-hv") == 0);
            assertThat(fake.segment(URN, "High value").users()).containsExactly(sha256("p2@townsend.com"));
        } finally {
            ds.stop();
        }
    }

    @Test
    void deltasWrittenDuringDowntimeArriveInOrderThroughTheDispatcher() throws Exception {
        OutboxFixture db = new OutboxFixture();
        Destinations ds = dispatching(db);
        try {
            db.add("li-hv", "p1", "p1@townsend.com", Map.of());
            ds.wakeUp();
            await("p1 delivered", java.time.Duration.ofSeconds(10), () -> db.pending("li-hv") == 0);
            fake.stop();
            db.add("li-hv", "p2", "p2@townsend.com", Map.of());
            db.remove("li-hv", "p1", "p1@townsend.com", Map.of());
            db.add("li-hv", "p3", "p3@townsend.com", Map.of());
            ds.wakeUp();
            await("an attempt failed", java.time.Duration.ofSeconds(10), () -> db.row("li-hv", "p2").attempts() > 0);
            fake.clearRequests();
            fake.failNext(429, "1");
            fake.start();
            await("drained", java.time.Duration.ofSeconds(15), () -> db.pending("li-hv") == 0);
        } finally {
            ds.stop();
        }
        List<String> sent = fake.requests("POST", "/rest/dmpSegments/").stream().filter(r -> r.status() == 200)
                .map(r -> {
                    try {
                        JsonNode e = json(r.body()).path("elements").path(0);
                        return e.path("action").asText() + " " + e.path("userIds").path(0).path("idValue").asText();
                    } catch (Exception ex) {
                        throw new AssertionError(ex);
                    }
                }).toList();
        assertThat(sent).containsExactly("ADD " + sha256("p2@townsend.com"), "REMOVE " + sha256("p1@townsend.com"),
                "ADD " + sha256("p3@townsend.com"));
        assertThat(fake.requests()).extracting(RecordedRequest::status).contains(429);
        assertThat(fake.segment(URN, "High value").users())
                .containsExactlyInAnyOrder(sha256("p2@townsend.com"), sha256("p3@townsend.com"));
    }
}
