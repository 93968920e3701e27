package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.ingest.pull.PullConfigs;
import io.cohort.ingest.pull.fake.FakeMarketoSource;
import io.cohort.model.Qualified;
import io.cohort.pipeline.Pipeline;
import io.cohort.reliability.CohortProcess;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pulled source in cluster mode: three real {@code server} processes (cluster.mode: kafka, one
 * embedded PostgreSQL, the embedded KRaft broker) all configured with the same Marketo source,
 * pulling activities page by page from a fake Marketo in this JVM. The fake notes the access token
 * of every activities call (each process fetches its own token), so it sees who pulls.
 *
 * <p>The holder of the source's lease is SIGKILLed mid-sync; another process takes over. Then
 * more activities arrive and the new holder is stopped cleanly; the third takes over. Checked:
 * the activities calls came from one process at a time (no token calls again after another
 * one has, none of the later holders called before the kill); the ingest log holds every activity
 * exactly once, in vendor order (the cursor continued from the last committed page, no page lost
 * or stored twice); every process serves the memberships a single-process evaluation of the
 * stored data gives; any process answers GET /v1/sources/{id}/sync naming the holder.
 */
class ClusterPullIT {
    static final int PARTITIONS = 3;
    static final String TOPIC = "cohort.pull";
    static final String SOURCE = "marketo-1";
    static final int ACTIVITIES = Integer.getInteger("cluster.pullActivities", 6_000);
    static final int MORE = 300;
    /** Leads with several activities (probe-events members) and leads with one (not members). */
    static final int BUSY_LEADS = 500;
    static final int QUIET_LEADS = 2 * MORE;
    static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path fixtureRules;
    static final Path logs = Path.of("target", "cluster-pull", String.valueOf(System.currentTimeMillis()));
    static ClusterFixture f;

    /** One activities call as the fake saw it: which token (process), when (nanoTime). */
    record Call(String token, long at) {}

    @BeforeAll static void start() throws Exception {
        Files.createDirectories(logs);
        f = new ClusterFixture(fixtureRules, TOPIC, PARTITIONS);
    }

    @AfterAll static void stop() { if (f != null) f.close(); }

    @Test
    void oneProcessPullsAtATimeAndATakeoverResumesFromTheCommittedCursor() throws Exception {
        long t0 = System.nanoTime();
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        List<CohortProcess> all = new ArrayList<>();
        try (FakeMarketo marketo = new FakeMarketo().start()) {
            FakeMarketoSource vendor = new FakeMarketoSource(marketo).latency(Duration.ofMillis(200));
            // Past a third of the backlog the vendor answers no activity page until the holder is
            // killed, so the kill lands mid-sync however fast the machine: one CI run stored all of
            // it before the test could kill (the precondition "killed mid-sync" failed).
            java.util.concurrent.CountDownLatch killed0 = new java.util.concurrent.CountDownLatch(1);
            marketo.extension((method, path, req) -> {
                if (path.startsWith("/rest/v1/activities")) calls.add(new Call(req.header("Authorization"), System.nanoTime()));
                if (path.equals("/rest/v1/activities.json") && killed0.getCount() > 0 && storedEvents() >= ACTIVITIES / 3) {
                    killed0.await(60, java.util.concurrent.TimeUnit.SECONDS);
                }
                return vendor.handle(method, path, req);
            });
            vendor.addActivities(activities(0, ACTIVITIES));
            String sources = "{crm-1: {type: generic}, " + SOURCE + ": {type: marketo, pull: {baseUrl: \"" + marketo.url()
                    + "\", clientId: " + FakeMarketo.CLIENT_ID + ", clientSecret: " + FakeMarketo.CLIENT_SECRET
                    + ", objects: [activities], startDate: 2026-10-01, pollInterval: 200ms, maxCallsPerWindow: 2000, rateWindow: 1s,"
                    + " maxBackoff: 1s}}}";
            for (int i = 1; i <= 3; i++) {
                all.add(f.node(logs.resolve("node-" + i).toAbsolutePath(), "cohort-pull", "node-" + i,
                        "sessionTimeout: 3s, leaseDuration: 3s", sources, ""));
            }
            ClusterServiceIT.startAll(all);
            long startedMs = ms(t0);
            pushLeads(all.get(0));

            // The holder is killed once a quarter of the activities is stored, long before the end.
            PullConfigs.await("a quarter of the activities stored", Duration.ofSeconds(120), () -> storedEvents() >= ACTIVITIES / 4);
            String first = holder();
            CohortProcess killed = byName(all, first);
            long storedAtKill = storedEvents();
            long killedAt = System.nanoTime();
            killed.kill(); // SIGKILL: no release, the lease must expire
            killed0.countDown();
            Set<String> pullersBeforeKill = calls.stream().filter(c -> c.at() < killedAt).map(Call::token).collect(Collectors.toSet());
            assertThat(pullersBeforeKill).as("processes that called the activities API before the kill (one token each)").hasSize(1);
            assertThat(storedAtKill).as("killed mid-sync").isLessThan(ACTIVITIES);
            List<CohortProcess> live = new ArrayList<>(all);
            live.remove(killed);

            PullConfigs.await("every activity stored after the takeover", Duration.ofSeconds(120), () -> storedEvents() == ACTIVITIES);
            long takenOverMs = ms(t0);
            String second = holder();
            assertThat(second).as("another process took the source over").isNotEqualTo(first);
            for (CohortProcess p : live) {
                JsonNode sync = awaitSync(p, second);
                assertThat(sync.get("runBy").asText()).as("sync status on %s names the holder", p.dir.getFileName()).isEqualTo(second);
            }

            assertMembers(live);

            // New activities after the takeover, then the holder stops cleanly: the third process continues.
            vendor.addActivities(activities(ACTIVITIES, MORE));
            PullConfigs.await("the new activities stored", Duration.ofSeconds(60), () -> storedEvents() == ACTIVITIES + MORE);
            CohortProcess stopped = byName(live, second);
            stopped.stop(); // SIGTERM: the connector finishes its step, the lease is released
            String afterStop = f.jdbi.withHandle(h -> h.createQuery("SELECT holder || ':' || expires_at FROM cluster_lease WHERE name = ?")
                    .bind(0, "pull:" + SOURCE).mapTo(String.class).one());
            assertThat(afterStop).as("released at a clean stop (or already taken by the last process)")
                    .matches(second + ":0|" + "(?!" + second + ").*");
            live.remove(stopped);
            CohortProcess last = live.get(0);
            String lastName = last.dir.getFileName().toString();
            PullConfigs.await("the last process holds the source", Duration.ofSeconds(30), () -> lastName.equals(holder()));
            awaitSync(last, lastName);
            vendor.addActivities(activities(ACTIVITIES + MORE, MORE));
            int total = ACTIVITIES + 2 * MORE;
            PullConfigs.await("every activity stored by the last holder", Duration.ofSeconds(60), () -> storedEvents() == total);
            long settledMs = ms(t0);

            // One process at a time: the tokens of the activities calls, in order, form runs that never come back.
            List<Call> seen = List.copyOf(calls);
            List<String> runs = new ArrayList<>();
            for (Call c : seen) if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(c.token())) runs.add(c.token());
            assertThat(runs).as("activities calls by token, consecutive ones merged: one process at a time").doesNotHaveDuplicates();
            assertThat(runs).as("three holders in turn").hasSize(3);
            assertThat(seen.stream().filter(c -> !c.token().equals(runs.get(0))).mapToLong(Call::at).min().orElseThrow())
                    .as("no other process pulled before the holder was killed").isGreaterThan(killedAt);

            // The ingest log: every activity once, in the vendor's order: each page continued from the committed cursor.
            List<String> logged = loggedEventIds();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < total; i++) expected.add("G" + i);
            assertThat(logged).as("activities in the ingest log, in log order").isEqualTo(expected);
            long upserts = f.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(b.upserts), 0) FROM ingest_batch b "
                    + "JOIN cluster_ingest_log l ON l.seq = b.seq WHERE b.source = ? AND l.records LIKE '%\"event\"%'")
                    .bind(0, SOURCE).mapTo(Long.class).one());
            assertThat(upserts).as("stored batches of activities: none twice").isEqualTo(total);
            long cursors = f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM connector_cursor WHERE source = ?").bind(0, SOURCE)
                    .mapTo(Long.class).one());
            assertThat(cursors).as("the stream's cursor is stored").isPositive();

            assertMembers(List.of(last));
            System.out.printf("cluster pull: 3 nodes up at %d ms; %s killed at %d of %d activities stored, %s finished at %d ms; "
                            + "%s stopped, %s took over; %d activities stored once each, %d activities calls; total %d ms%n",
                    startedMs, first, storedAtKill, ACTIVITIES, second, takenOverMs, second, lastName, total, seen.size(), settledMs);
        } finally {
            for (CohortProcess p : all) p.close();
        }
    }

    /** Every process in {@code nodes} serves the probe-events members a single process evaluates from the store: the busy leads. */
    private static void assertMembers(List<CohortProcess> nodes) throws Exception {
        f.awaitPublished(new IngestLog(f.jdbi, Jackson.newObjectMapper()).last(), Duration.ofSeconds(90));
        assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).as("workers caught up").isTrue();
        ProfileGraph stored = new ProfileGraph();
        new Pipeline(Map.of(), new RecordParser(new IngestLimits()), new RecordStore(f.jdbi, Jackson.newObjectMapper()), stored,
                null, f.clock, new com.codahale.metrics.MetricRegistry()).loadFromStore();
        Set<Qualified> fresh = FreshEvaluation.of(stored, f.book, f.clock, 2);
        Set<String> expected = fresh.stream().filter(q -> q.segmentId().equals("probe-events")).map(Qualified::personId)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(expected).as("the busy leads qualify, the quiet ones do not").hasSize(BUSY_LEADS);
        assertThat(f.realized()).as("memberships in PostgreSQL = a fresh single-process evaluation").isEqualTo(fresh);
        for (CohortProcess p : nodes) {
            assertThat(p.members("probe-events")).as("members served by %s", p.dir.getFileName()).isEqualTo(expected);
        }
    }

    /** Activities {@code from} … {@code from + n - 1} in date order; the first ACTIVITIES go round the busy leads, the rest one per quiet lead. */
    private static List<ObjectNode> activities(int from, int n) {
        List<ObjectNode> out = new ArrayList<>();
        // The history is a month old; what arrives later is dated now (an incremental sync reads from where it stands in time).
        Instant now = Instant.now();
        for (int i = from; i < from + n; i++) {
            Instant date = i < ACTIVITIES ? T0.plusSeconds(60L * i) : now.plusMillis(i - from);
            long lead = i < ACTIVITIES ? 10 + i % BUSY_LEADS : 10 + BUSY_LEADS + (i - ACTIVITIES);
            out.add(JSON.createObjectNode().put("id", 1_000_000 + i).put("marketoGUID", "G" + i).put("leadId", lead)
                    .put("activityDate", date.toString()).put("activityTypeId", 1)
                    .put("primaryAttributeValue", "www.corp.com/page/" + (i % 40)));
        }
        return out;
    }

    /** The Marketo leads as persons of the source, pushed (a pulled source still takes pushes). */
    private static void pushLeads(CohortProcess to) {
        for (int from = 10; from < 10 + BUSY_LEADS + QUIET_LEADS; from += 200) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode records = body.putArray("records");
            for (int id = from; id < Math.min(from + 200, 10 + BUSY_LEADS + QUIET_LEADS); id++) {
                records.addObject().put("type", "person").put("id", String.valueOf(id)).put("email", "lead" + id + "@corp.com");
            }
            var r = to.post("/v1/sources/" + SOURCE + "/records", body.toString());
            assertThat(r.status()).as("push leads: %s", r.body()).isEqualTo(200);
        }
    }

    private static long storedEvents() {
        return f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM source_record WHERE source = ? AND rtype = 'event'")
                .bind(0, SOURCE).mapTo(Long.class).one());
    }

    private static String holder() {
        return f.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM cluster_lease WHERE name = ?").bind(0, "pull:" + SOURCE)
                .mapTo(String.class).findOne().orElse(null));
    }

    private static List<String> loggedEventIds() {
        List<String> out = new ArrayList<>();
        for (IngestLog.Logged l : new IngestLog(f.jdbi, Jackson.newObjectMapper()).after(0, 100_000)) {
            if (!(l instanceof IngestLog.Entry e) || !e.source().equals(SOURCE)) continue;
            for (JsonNode r : e.records()) if (r.path("type").asText().equals("event")) out.add(r.get("id").asText());
        }
        return out;
    }

    private static CohortProcess byName(List<CohortProcess> nodes, String name) {
        return nodes.stream().filter(p -> p.dir.getFileName().toString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no process named " + name));
    }

    /** GET …/sync on {@code p} until it names {@code holder} (the holder reports at each renewal). */
    private static JsonNode awaitSync(CohortProcess p, String holder) throws InterruptedException {
        long until = System.nanoTime() + 30_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < until) {
            var r = p.get("/v1/sources/" + SOURCE + "/sync");
            assertThat(r.status()).as("sync status on %s: %s", p.dir.getFileName(), r.body()).isEqualTo(200);
            last = r.json();
            if (holder.equals(last.path("runBy").asText())) return last;
            Thread.sleep(200);
        }
        throw new AssertionError("sync status on " + p.dir.getFileName() + " does not name " + holder + ": " + last);
    }

    private static long ms(long since) { return (System.nanoTime() - since) / 1_000_000; }
}
