package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.ManualClock;
import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away under a running service (a restart, a failover, maintenance) and comes
 * back at the same address: a real {@code server} process in single mode, driven over HTTP.
 * While it is away, a POST is answered 503 with a JSON body and Retry-After (the client retries;
 * nothing it sent is half stored), the readiness check says the database is away, and stored
 * audiences are not made up. After it is back, without a restart of the service: ingest is
 * acknowledged again, and every batch acknowledged before, during or after the outage is in
 * the store; memberships equal a fresh evaluation of the store and change feeds fold. The log
 * says what failed in one line per failure: a stack trace per refused request buried it.
 */
class PostgresOutageIT {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final List<String> SEGMENTS = List.of("probe-events", "probe-deal", "probe-won");

    @TempDir Path tmp;

    @Test
    void theServiceRidesOutADatabaseRestart() throws Exception {
        Path data = tmp.resolve("pg");
        int port = CohortProcess.freePort();
        EmbeddedPostgres pg = postgres(data, port);
        String url = pg.getJdbcUrl("postgres", "postgres");
        Path dir = Path.of("target", "pg-outage", String.valueOf(System.currentTimeMillis())).toAbsolutePath(); // kept: the process log
        Files.createDirectories(dir);
        CohortApp.copyRules(Path.of("rules"), dir.resolve("rules"));
        Files.copy(Path.of("src/test/resources/reliability/rules/probes.drl"), dir.resolve("rules/probes.drl"));
        CohortProcess service = CohortProcess.configured(dir, url, """
                database: {driverClass: org.postgresql.Driver, url: "%s", user: postgres, password: postgres}
                sources: {crm-1: {type: generic}, marketo-1: {type: generic}, mdm: {type: generic}}
                engine: {rulesDirectory: "%s", watchRules: false, manualClock: true, manualClockStart: "%s"}
                auth:
                  tokens: [{name: all, token: %s, roles: [ingest, analyst, reader, operator]}]
                """.formatted(url, dir.resolve("rules"), NOW, CohortApp.TOKEN));
        RandomRecords gen = new RandomRecords(20261207L, NOW, 50, 35, 12);
        List<Long> acknowledged = new ArrayList<>();
        try {
            service.start().awaitReady(Duration.ofSeconds(60));
            for (int i = 0; i < 80; i++) acknowledged.add(post(service, gen.next()));
            assertThat(awaitMembers(service, url, dir)).as("memberships before the outage").isTrue();

            pg.close(); // the server stops; the service's connections break
            RandomRecords.Batch during = gen.next();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + service.port() + "/v1/sources/" + during.source() + "/records"))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + CohortApp.TOKEN)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(during.body())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("POST while the database is away: %s", r.body()).isEqualTo(503);
            JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            assertThat(body.get("code").asInt()).isEqualTo(503);
            assertThat(body.get("message").asText()).as("says what is wrong").containsIgnoringCase("database");
            assertThat(r.headers().firstValue("Retry-After")).as("tells the client when to retry").isPresent();
            CohortApp.Response members = service.get("/v1/segments/probe-events/members");
            assertThat(members.status()).as("members while the database is away: %s", members.body()).isIn(200, 503);
            CohortApp.Response health = service.adminGet("/healthcheck");
            assertThat(health.status()).as("the health check while the database is away").isEqualTo(500);

            pg = postgres(data, port); // back, same data and address
            // The client retries what was refused, then goes on.
            acknowledged.add(postRetrying(service, during, Duration.ofSeconds(60)));
            for (int i = 0; i < 30; i++) acknowledged.add(post(service, gen.next()));
            assertThat(new HashSet<>(acknowledged)).as("every acknowledged batch has its own number").hasSize(acknowledged.size());
            Jdbi jdbi = Jdbi.create(url, "postgres", "postgres");
            List<Long> stored = jdbi.withHandle(h -> h.createQuery("SELECT seq FROM ingest_batch").mapTo(Long.class).list());
            assertThat(stored).as("every acknowledged batch is stored").containsAll(acknowledged);
            assertThat(awaitMembers(service, url, dir)).as("memberships after the outage").isTrue();
            assertThat(feedViolations(jdbi)).as("change feeds fold to the memberships").isEmpty();
            assertThat(service.adminGet("/healthcheck").status()).as("healthy again").isEqualTo(200);
            List<String> log = Files.readAllLines(service.log());
            assertThat(log).as("the refusals were logged").anyMatch(l -> l.contains("the database could not complete it now"));
            assertThat(log).as("an outage is not a bug: one line per failure, no stack trace").noneMatch(l -> l.startsWith("! "));
        } finally {
            service.close();
            pg.close();
        }
    }

    /** The server on {@code data} (created on first use) at {@code port}; its data outlive a stop (no clean-up at close). */
    private static EmbeddedPostgres postgres(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    private static long post(CohortProcess to, RandomRecords.Batch b) {
        CohortApp.Response r = to.post("/v1/sources/" + b.source() + "/records", b.body());
        assertThat(r.status()).as("POST: %s", r.body()).isEqualTo(200);
        return r.json().get("batch").asLong();
    }

    /** As a client does after a 503: again after Retry-After, until acknowledged. */
    private static long postRetrying(CohortProcess to, RandomRecords.Batch b, Duration patience) throws InterruptedException {
        long until = System.nanoTime() + patience.toNanos();
        CohortApp.Response r;
        do {
            r = to.post("/v1/sources/" + b.source() + "/records", b.body());
            if (r.status() == 200) return r.json().get("batch").asLong();
            assertThat(r.status()).as("while the database comes back: %s", r.body()).isEqualTo(503);
            Thread.sleep(500);
        } while (System.nanoTime() < until);
        throw new AssertionError("not acknowledged within " + patience + ": " + r);
    }

    /** Whether the stored memberships reach a fresh evaluation of the stored records within 60 s, and the service serves them. */
    private static boolean awaitMembers(CohortProcess service, String url, Path dir) throws Exception {
        Set<Qualified> fresh = FreshEvaluation.ofDatabase(url, dir.resolve("rules"), new ManualClock(NOW), "postgres", "postgres");
        assertThat(fresh).as("the random data qualifies people").isNotEmpty();
        Jdbi jdbi = Jdbi.create(url, "postgres", "postgres");
        long until = System.nanoTime() + 60_000_000_000L;
        Set<Qualified> realized;
        do {
            realized = new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT segment_id, person_id FROM membership WHERE status = 'realized'")
                    .map((rs, ctx) -> new Qualified(rs.getString(1), rs.getString(2))).list()));
            if (realized.equals(fresh)) break;
            Thread.sleep(200);
        } while (System.nanoTime() < until);
        assertThat(realized).isEqualTo(fresh);
        for (String segment : SEGMENTS) {
            Set<String> expected = new TreeSet<>();
            fresh.stream().filter(q -> q.segmentId().equals(segment)).forEach(q -> expected.add(q.personId()));
            assertThat(service.members(segment)).as("members of %s served", segment).isEqualTo(expected);
        }
        return true;
    }

    /** Each (segment, person) feed alternates entered/exited from entered and ends in the stored membership. */
    private static List<String> feedViolations(Jdbi jdbi) {
        Map<String, List<String>> feeds = new LinkedHashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT segment_id, person_id, change FROM membership_change ORDER BY seq")
                .map((rs, ctx) -> new String[] {rs.getString(1) + "/" + rs.getString(2), rs.getString(3)})
                .forEach(r -> feeds.computeIfAbsent(r[0], k -> new ArrayList<>()).add(r[1])));
        Set<String> realized = new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT segment_id || '/' || person_id FROM membership WHERE status = 'realized'")
                .mapTo(String.class).list()));
        List<String> out = new ArrayList<>();
        feeds.forEach((key, changes) -> {
            for (int i = 0; i < changes.size(); i++) {
                if (!changes.get(i).equals(i % 2 == 0 ? "entered" : "exited")) {
                    out.add(key + ": " + changes);
                    return;
                }
            }
            if (changes.get(changes.size() - 1).equals("entered") != realized.contains(key)) out.add(key + ": feed and membership differ");
        });
        return out;
    }
}
