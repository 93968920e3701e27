package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.ManualClock;
import io.cohort.it.CohortApp;
import io.cohort.reliability.CohortProcess;
import io.cohort.reliability.PostgresOutage;
import io.cohort.reliability.RandomRecords;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL restarted under a running cluster (the shared store's failover or maintenance):
 * two {@code server} processes in cluster mode on their own PostgreSQL server and broker, driven
 * over HTTP. While the database is away a POST is 503 (the client retries); once it is back, at
 * the same address, both nodes go on without a restart: leases, the log's feed, the relay and
 * the workers reconnect, every acknowledged batch is stored once, and memberships equal a fresh
 * evaluation of the store, served alike by both nodes; change feeds fold. The log says what
 * failed without a stack trace per failure.
 */
class ClusterPostgresOutageIT {
    static final List<String> SEGMENTS = List.of("probe-events", "probe-deal", "probe-won");

    @TempDir Path tmp;

    @Test
    void theClusterRidesOutADatabaseRestart() throws Exception {
        Path data = tmp.resolve("pg");
        int port = CohortProcess.freePort();
        EmbeddedPostgres pg = PostgresOutage.server(data, port);
        String url = pg.getJdbcUrl("postgres", "postgres");
        Path dirs = Path.of("target", "cluster-pg-outage", String.valueOf(System.currentTimeMillis())).toAbsolutePath();
        RandomRecords gen = new RandomRecords(20261208L, ClusterFixture.NOW, 50, 35, 12);
        List<Long> acknowledged = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            CohortProcess a = node(dirs.resolve("node-a"), url, kafka, "node-a");
            CohortProcess b = node(dirs.resolve("node-b"), url, kafka, "node-b");
            try {
                ClusterServiceIT.startAll(List.of(a, b));
                for (int i = 0; i < 80; i++) acknowledged.add(PostgresOutage.post(i % 2 == 0 ? a : b, gen.next()));
                PostgresOutage.awaitFresh(url, a.rules, new ManualClock(ClusterFixture.NOW), List.of(a, b), SEGMENTS, Duration.ofSeconds(120));

                pg.close();
                RandomRecords.Batch during = gen.next();
                CohortApp.Response r = a.post("/v1/sources/" + during.source() + "/records", during.body());
                assertThat(r.status()).as("POST while the database is away: %s", r.body()).isEqualTo(503);
                assertThat(r.json().get("message").asText()).containsIgnoringCase("database");
                Thread.sleep(5_000); // leases, feeds, relay and workers all meet the outage
                pg = PostgresOutage.server(data, port);

                acknowledged.add(PostgresOutage.postRetrying(b, during, Duration.ofSeconds(90)));
                for (int i = 0; i < 30; i++) acknowledged.add(PostgresOutage.post(i % 2 == 0 ? b : a, gen.next()));
                assertThat(new HashSet<>(acknowledged)).as("every acknowledged batch has its own number").hasSize(acknowledged.size());
                Jdbi jdbi = Jdbi.create(url, "postgres", "postgres");
                List<Long> stored = jdbi.withHandle(h -> h.createQuery("SELECT seq FROM ingest_batch").mapTo(Long.class).list());
                assertThat(stored).as("every acknowledged batch is stored").containsAll(acknowledged);
                PostgresOutage.awaitFresh(url, a.rules, new ManualClock(ClusterFixture.NOW), List.of(a, b), SEGMENTS, Duration.ofSeconds(120));
                assertThat(io.cohort.reliability.ChangeFeeds.violations(jdbi)).as("change feeds fold to the memberships").isEmpty();
                for (CohortProcess p : List.of(a, b)) {
                    assertThat(p.adminGet("/healthcheck").status()).as("%s healthy again: %s", p.dir.getFileName(),
                            p.adminGet("/healthcheck").body()).isEqualTo(200);
                    assertThat(Files.readAllLines(p.log())).as("%s: one line per failure, no stack trace", p.dir.getFileName())
                            .noneMatch(l -> l.startsWith("! "));
                }
            } finally {
                a.close();
                b.close();
            }
        } finally {
            pg.close();
        }
    }

    private static CohortProcess node(Path dir, String url, EmbeddedKafka kafka, String name) throws Exception {
        Files.createDirectories(dir);
        ClusterFixture.copyRules(dir.resolve("rules"));
        return CohortProcess.configured(dir, url, """
                database: {driverClass: org.postgresql.Driver, url: "%s", user: postgres, password: postgres}
                sources: {crm-1: {type: generic}, marketo-1: {type: generic}, mdm: {type: generic}}
                engine: {rulesDirectory: "%s", watchRules: false, manualClock: true, manualClockStart: "%s"}
                cluster: {mode: kafka, bootstrapServers: "%s", topic: cohort.pgoutage, partitions: 4, groupId: cohort-pgoutage, nodeId: %s, sessionTimeout: 3s, leaseDuration: 3s}
                auth:
                  tokens: [{name: all, token: %s, roles: [ingest, analyst, reader, operator]}]
                """.formatted(url, dir.resolve("rules"), ClusterFixture.NOW, kafka.bootstrapServers(), name, CohortApp.TOKEN));
    }

}
