package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.ingest.pull.PullConfigs;
import io.cohort.ingest.pull.fake.FakeMarketoSource;
import io.cohort.ingest.pull.fake.FakeSalesforce;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Source connectors under kill -9: the service runs as its own process, pulling 12,000 Marketo
 * activities and 3,000 Salesforce contacts page by page from fakes in this JVM; it is killed with
 * SIGKILL at random moments of the sync and restarted on the same H2 file. At the end every
 * vendor record is stored (nothing lost), and every Marketo activity was stored exactly once over
 * all the runs — the sum of the stored batches' upserts equals the number of activities — which
 * holds only because each page's cursor is committed in the same transaction as its records.
 * Long run: -Dreliability.pullCrashLoops=10.
 */
class PullCrashIT {
    static final int LOOPS = Integer.getInteger("reliability.pullCrashLoops", 2);
    static final int ACTIVITIES = 12_000;
    static final int CONTACTS = 3_000;
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    @Test
    void killedMidSyncResumesWithoutLossOrDoubleStoring() throws Exception {
        Random rnd = new Random(Long.getLong("reliability.seed", 11L));
        try (FakeMarketo marketo = new FakeMarketo().start(); FakeSalesforce sf = new FakeSalesforce().pageSize(200).start()) {
            FakeMarketoSource source = new FakeMarketoSource(marketo).latency(Duration.ofMillis(120));
            List<ObjectNode> acts = new ArrayList<>();
            Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
            for (int i = 0; i < ACTIVITIES; i++) {
                acts.add(JSON.createObjectNode().put("id", 1_000_000 + i).put("marketoGUID", "G" + i).put("leadId", 10 + i % 500)
                        .put("activityDate", t0.plusSeconds(60L * i).toString()).put("activityTypeId", 1)
                        .put("primaryAttributeValue", "www.corp.com/page/" + (i % 40)));
            }
            source.addActivities(acts);
            for (int i = 0; i < CONTACTS; i++) {
                sf.put("Contact", String.format("003C%014d", i), Map.of("Email", "c" + i + "@corp" + (i % 50) + ".com",
                        "LastName", "C" + i, "AccountId", String.format("001A%014d", i % 50)), t0.plusMillis(1_500L * i));
            }
            sf.latency(Duration.ofMillis(150));
            String sources = "{marketo-1: {type: marketo, pull: {baseUrl: \"%s\", clientId: cohort-client, clientSecret: cohort-secret,"
                    .formatted(marketo.url())
                    + " objects: [activities], startDate: 2026-10-01, pollInterval: 200ms, maxCallsPerWindow: 2000, rateWindow: 1s,"
                    + " maxBackoff: 1s}}, crm-1: {type: salesforce, pull: {loginUrl: \"%s\", clientId: %s, clientSecret: %s,"
                    .formatted(sf.url(), FakeSalesforce.CLIENT_ID, FakeSalesforce.CLIENT_SECRET)
                    + " objects: [Contact], pollInterval: 200ms, batchSize: 200, maxBackoff: 1s}}}";
            int midSync = 0;
            try (CohortProcess service = new CohortProcess(dir, sources)) {
                for (int loop = 1; loop <= LOOPS; loop++) {
                    long t = System.nanoTime();
                    service.start();
                    System.out.printf("pull crash loop %d: started in %d ms%n", loop, (System.nanoTime() - t) / 1_000_000);
                    long millis = 500 + rnd.nextInt(2_500);
                    Thread.sleep(millis);
                    long fetched = service.get("/v1/sources/marketo-1/sync").json().get("recordsFetched").asLong();
                    service.kill();
                    midSync += fetched < ACTIVITIES ? 1 : 0;
                    System.out.printf("pull crash loop %d: killed %d ms after it served, %d activities fetched by this run%n",
                            loop, millis, fetched);
                }
                assertThat(midSync).as("kills that hit a sync in progress").isPositive();
                long t = System.nanoTime();
                service.start();
                long started = System.nanoTime();
                PullConfigs.await("both backfills done", Duration.ofMinutes(3), () -> done(service, "marketo-1") && done(service, "crm-1"));
                System.out.printf("pull crash: last start %d ms, then caught up in %d ms%n", (started - t) / 1_000_000,
                        (System.nanoTime() - started) / 1_000_000);
                service.stop();
            }
            String url = "jdbc:h2:file:" + dir.resolve("db/cohort").toAbsolutePath() + ";MODE=PostgreSQL";
            try (Connection c = DriverManager.getConnection(url, "sa", "")) {
                assertThat(count(c, "SELECT COUNT(*) FROM source_record WHERE source = 'marketo-1' AND rtype = 'event'"))
                        .as("every activity stored").isEqualTo(ACTIVITIES);
                assertThat(count(c, "SELECT COALESCE(SUM(upserts), 0) FROM ingest_batch WHERE source = 'marketo-1'"))
                        .as("every activity stored exactly once over %d kills", LOOPS).isEqualTo(ACTIVITIES);
                assertThat(count(c, "SELECT COUNT(*) FROM source_record WHERE source = 'crm-1' AND rtype = 'person'"))
                        .as("every contact stored").isEqualTo(CONTACTS);
                long contactUpserts = count(c, "SELECT COALESCE(SUM(upserts), 0) FROM ingest_batch WHERE source = 'crm-1'");
                System.out.printf("pull crash: %d activities stored once each; %d contacts, %d contact rows written "
                        + "(a restart re-reads the rows of the last stored second)%n", ACTIVITIES, CONTACTS, contactUpserts / 2);
            }
        }
    }

    private static boolean done(CohortProcess service, String source) {
        var r = service.get("/v1/sources/" + source + "/sync");
        if (r.status() != 200) return false;
        for (JsonNode st : r.json().get("streams")) {
            if (st.get("kind").asText().equals("backfill") && !st.get("state").asText().equals("done")) return false;
        }
        return true;
    }

    private static long count(Connection c, String sql) throws Exception {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
