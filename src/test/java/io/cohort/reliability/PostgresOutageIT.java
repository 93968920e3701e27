package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.ManualClock;
import io.cohort.it.CohortApp;
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
        EmbeddedPostgres pg = PostgresOutage.server(data, port);
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
            for (int i = 0; i < 80; i++) acknowledged.add(PostgresOutage.post(service, gen.next()));
            PostgresOutage.awaitFresh(url, dir.resolve("rules"), new ManualClock(NOW), List.of(service), SEGMENTS, Duration.ofSeconds(60));

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

            pg = PostgresOutage.server(data, port); // back, same data and address
            // The client retries what was refused, then goes on.
            acknowledged.add(PostgresOutage.postRetrying(service, during, Duration.ofSeconds(60)));
            for (int i = 0; i < 30; i++) acknowledged.add(PostgresOutage.post(service, gen.next()));
            assertThat(new HashSet<>(acknowledged)).as("every acknowledged batch has its own number").hasSize(acknowledged.size());
            Jdbi jdbi = Jdbi.create(url, "postgres", "postgres");
            List<Long> stored = jdbi.withHandle(h -> h.createQuery("SELECT seq FROM ingest_batch").mapTo(Long.class).list());
            assertThat(stored).as("every acknowledged batch is stored").containsAll(acknowledged);
            PostgresOutage.awaitFresh(url, dir.resolve("rules"), new ManualClock(NOW), List.of(service), SEGMENTS, Duration.ofSeconds(60));
            assertThat(ChangeFeeds.violations(jdbi)).as("change feeds fold to the memberships").isEmpty();
            assertThat(service.adminGet("/healthcheck").status()).as("healthy again").isEqualTo(200);
            List<String> log = Files.readAllLines(service.log());
            assertThat(log).as("the refusals were logged").anyMatch(l -> l.contains("the database could not complete it now"));
            assertThat(log).as("an outage is not a bug: one line per failure, no stack trace").noneMatch(l -> l.startsWith("! "));
        } finally {
            service.close();
            pg.close();
        }
    }
}
