package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.it.CohortApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ordering under concurrency: N threads post colliding batches (MDM links and unlinks, moving
 * opportunities and events, email changes that merge and split people, deletes) over HTTP. The
 * accepted batches, replayed one by one in the order the server acknowledged them (the "batch"
 * number of each answer) into a fresh app, must give the same state: every touched profile,
 * every unified account, every segment's members.
 * Long run: -Dreliability.concurrentBatches=3000 (reliability/run.sh).
 */
class ConcurrencyIT {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final int THREADS = 4;
    static final int BATCHES = Integer.getInteger("reliability.concurrentBatches", 400);

    @TempDir Path dir;

    record Accepted(long batch, String source, String body) {}

    @Test
    void concurrentBatchesEqualTheirAcknowledgedOrderReplayedOneByOne() throws Exception {
        long seed = Long.getLong("reliability.seed", 11L);
        try (CohortApp live = app(dir.resolve("live")).start()) {
            live.task("clock?set=" + NOW);
            ConcurrentLinkedQueue<Accepted> accepted = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            for (int t = 0; t < THREADS; t++) {
                RandomRecords gen = new RandomRecords(seed * 31 + t, NOW, 10, 5, 5);
                pool.execute(() -> {
                    for (int i = 0; i < BATCHES / THREADS; i++) {
                        RandomRecords.Batch b = gen.next();
                        var r = live.post("/v1/sources/" + b.source() + "/records", "application/json", b.body());
                        if (r.status() != 200) throw new AssertionError("valid batch refused: " + r + " for " + b.body());
                        accepted.add(new Accepted(r.json().get("batch").asLong(), b.source(), b.body()));
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
            assertThat(accepted).hasSize(BATCHES / THREADS * THREADS);
            live.settle();

            List<Accepted> order = new ArrayList<>(accepted);
            order.sort(Comparator.comparingLong(Accepted::batch));
            assertThat(order.stream().map(Accepted::batch).distinct().count()).as("batch numbers are unique")
                    .isEqualTo(order.size());
            try (CohortApp replay = app(dir.resolve("replay")).start()) {
                replay.task("clock?set=" + NOW);
                for (Accepted a : order) {
                    var r = replay.post("/v1/sources/" + a.source() + "/records", "application/json", a.body());
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                }
                replay.settle();
                String state = assertSameState(live, replay, new RandomRecords(0, NOW, 10, 5, 5).emails());
                System.out.printf("concurrency: %d batches from %d threads (seed %d), replayed in acknowledged order: %s equal%n",
                        order.size(), THREADS, seed, state);
            }
        }
    }

    static CohortApp app(Path dir) throws Exception {
        Files.createDirectories(dir);
        CohortApp.copyRules(Path.of("rules"), dir.resolve("rules"));
        Files.copy(Path.of("src/test/resources/reliability/rules/probes.drl"), dir.resolve("rules/probes.drl"));
        return new CohortApp(dir);
    }

    /** Profiles of every email, the accounts they name, and every segment's members. */
    /** @return what was compared */
    static String assertSameState(CohortApp live, CohortApp replay, List<String> emails) {
        TreeSet<String> accounts = new TreeSet<>();
        int found = 0;
        for (String email : emails) {
            var a = live.get("/v1/profiles?email=" + email);
            var b = replay.get("/v1/profiles?email=" + email);
            assertThat(a.status()).as(email + ": " + a).isIn(200, 404);
            assertThat(a.status()).as(email).isEqualTo(b.status());
            if (a.status() != 200) continue;
            found++;
            assertThat(comparable(a.json())).as("profile " + email).isEqualTo(comparable(b.json()));
            a.json().get("accounts").forEach(acc -> accounts.add(acc.get("id").asText()));
        }
        assertThat(found).as("the workload leaves people behind").isPositive();
        for (String id : accounts) {
            var a = live.get("/v1/accounts/" + id);
            var b = replay.get("/v1/accounts/" + id);
            assertThat(a.status()).as("account " + id + ": " + a + " / " + b).isEqualTo(b.status());
            if (a.status() == 200) assertThat(a.json()).as("account " + id).isEqualTo(b.json());
        }
        int members = 0;
        for (JsonNode s : live.get("/v1/segments").json().get("segments")) {
            String id = s.get("id").asText();
            Map<String, String> m = members(live, id);
            assertThat(m).as("members of " + id).isEqualTo(members(replay, id));
            members += m.size();
        }
        return found + " profiles, " + accounts.size() + " accounts, " + members + " memberships";
    }

    /**
     * A profile without what legitimately differs: when memberships started, and exits (a
     * membership that came and went in the live run may never have existed in the replay).
     */
    static JsonNode comparable(JsonNode profile) {
        ObjectNode p = profile.deepCopy();
        ArrayNode segments = p.putArray("segments");
        profile.get("segments").forEach(s -> {
            if (s.get("status").asText().equals("realized")) segments.add(s.get("segmentId").asText());
        });
        return p;
    }

    /** Realized members (exits may differ for the same reason as above). */
    static Map<String, String> members(CohortApp app, String segment) {
        Map<String, String> out = new TreeMap<>();
        String after = "";
        while (true) {
            JsonNode r = app.get("/v1/segments/" + segment + "/members?status=realized&limit=1000&after=" + after).json();
            r.get("members").forEach(m -> out.put(m.get("profileId").asText(), m.get("status").asText()));
            if (r.get("next").isNull()) return out;
            after = r.get("next").asText();
        }
    }
}
