package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability on acknowledgment: the service runs as a separate process, several threads ingest
 * batches of new records, the process is killed with SIGKILL mid-stream and restarted on the same
 * H2 file. Then every acknowledged batch is stored whole, every batch without an answer is stored
 * whole or not at all, and the memberships the restarted service shows equal a fresh evaluation
 * of what is stored. Long run: -Dreliability.crashLoops=10 (reliability/run.sh).
 */
class CrashRecoveryIT {
    static final String SEGMENT = "high-value-new-product";
    static final int LOOPS = Integer.getInteger("reliability.crashLoops", 1);
    static final int THREADS = 3;

    @TempDir Path dir;

    /** One POST: what it held and what became of it. */
    record Sent(String source, List<String[]> keys, int status, long batch) {
        boolean acknowledged() { return status == 200; }
    }

    @Test
    void acknowledgedBatchesSurviveKillMinusNineWholeAndMembershipsAreRederived() throws Exception {
        Random rnd = new Random(Long.getLong("reliability.seed", 7L));
        List<Sent> all = new ArrayList<>();
        AtomicInteger companies = new AtomicInteger();
        try (CohortProcess service = new CohortProcess(dir)) {
            service.start();
            for (int loop = 1; loop <= LOOPS; loop++) {
                List<Sent> sent = ingestThenKill(service, companies, 1_500 + rnd.nextInt(2_500));
                all.addAll(sent);
                service.start();
                long acked = sent.stream().filter(Sent::acknowledged).count();
                assertThat(acked).as("loop %d: batches acknowledged before the kill", loop).isGreaterThan(0);
                assertThat(sent).as("loop %d: no batch may be rejected", loop)
                        .allMatch(s -> s.status() == 200 || s.status() == -1);
                // This loop's batches all; earlier loops' (checked when they ran) a sample, to stay fast.
                List<Sent> check = new ArrayList<>(sent);
                List<Sent> earlier = new ArrayList<>(all.subList(0, all.size() - sent.size()));
                java.util.Collections.shuffle(earlier, rnd);
                check.addAll(earlier.subList(0, Math.min(100, earlier.size())));
                List<String> broken = new ArrayList<>();
                for (Sent s : check) {
                    String problem = wholeOrNothing(service, s);
                    if (problem != null) broken.add(problem);
                }
                assertThat(broken).as("loop %d: of %d batches sent so far", loop, all.size()).isEmpty();
                System.out.printf("crash loop %d: %d batches acknowledged, %d unanswered at the kill%n",
                        loop, acked, sent.size() - acked);
            }
            Set<String> shown = members(service);
            service.stop();
            Set<String> fresh = new TreeSet<>();
            for (Qualified q : FreshEvaluation.ofDatabase(service.dbUrl, service.rules, Clock.systemUTC())) {
                if (q.segmentId().equals(SEGMENT)) fresh.add(q.personId());
            }
            assertThat(shown).as("members after restart = fresh evaluation of the stored records").isEqualTo(fresh);
            assertThat(shown).as("the workload qualifies people").isNotEmpty();
        }
    }

    /** Ingests from several threads, kills the process after {@code millis}, returns every POST. */
    private List<Sent> ingestThenKill(CohortProcess service, AtomicInteger companies, long millis) throws Exception {
        ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
        AtomicBoolean killed = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        for (int t = 0; t < THREADS; t++) {
            pool.execute(() -> {
                while (!killed.get()) {
                    int k = companies.incrementAndGet();
                    List<String[]> keys = new ArrayList<>();
                    String body = company(k, keys);
                    try {
                        var r = service.post("/v1/sources/crm-1/records", body);
                        sent.add(new Sent("crm-1", keys, r.status(), r.status() == 200 ? r.json().get("batch").asLong() : -1));
                    } catch (IllegalStateException noAnswer) {
                        sent.add(new Sent("crm-1", keys, -1, -1)); // outcome unknown: stored whole or not at all
                    }
                }
            });
        }
        Thread.sleep(millis);
        service.kill();
        killed.set(true);
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        return new ArrayList<>(sent);
    }

    /** @return what is wrong with the batch after the restart, or null */
    private static String wholeOrNothing(CohortProcess service, Sent s) {
        int present = 0;
        for (String[] k : s.keys()) {
            var r = service.get("/v1/sources/" + s.source() + "/records/" + k[0] + "/" + k[1].replace("|", "%7C"));
            assertThat(r.status()).as(r.toString()).isIn(200, 404);
            if (r.status() == 200) {
                present++;
                if (s.acknowledged() && r.json().get("batch").asLong() != s.batch()) {
                    return "batch " + s.batch() + ": " + k[1] + " stored as batch " + r.json().get("batch");
                }
            }
        }
        if (s.acknowledged() && present != s.keys().size()) {
            return "acknowledged batch " + s.batch() + ": " + present + " of " + s.keys().size() + " records stored";
        }
        if (!s.acknowledged() && present != 0 && present != s.keys().size()) {
            return "unanswered batch half stored: " + present + " of " + s.keys().size() + " records";
        }
        return null;
    }

    /**
     * A company: account, two people, their relations, one won opportunity (over $1M for even
     * k) and a recent visit of /products/new by the first person. 7 records, ids unique to k.
     */
    static String company(int k, List<String[]> keys) {
        String a = "A" + k, p1 = "P" + k + "a", p2 = "P" + k + "b";
        String at = Instant.now().minus(Duration.ofHours(6)).toString();
        keys.add(new String[] {"account", a});
        keys.add(new String[] {"person", p1});
        keys.add(new String[] {"person", p2});
        keys.add(new String[] {"accountPerson", a + "|" + p1});
        keys.add(new String[] {"accountPerson", a + "|" + p2});
        keys.add(new String[] {"opportunity", "O" + k});
        keys.add(new String[] {"event", "E" + k});
        return """
                {"records":[
                 {"type":"account","id":"%1$s","name":"Company %1$s"},
                 {"type":"person","id":"%2$s","email":"%2$s@c%1$s.com"},
                 {"type":"person","id":"%3$s","email":"%3$s@c%1$s.com"},
                 {"type":"accountPerson","accountId":"%1$s","personId":"%2$s"},
                 {"type":"accountPerson","accountId":"%1$s","personId":"%3$s"},
                 {"type":"opportunity","id":"O%4$d","accountId":"%1$s","amount":%5$d,"isWon":true},
                 {"type":"event","id":"E%4$d","personId":"%2$s","eventType":"web.webpagedetails.pageViews",
                  "timestamp":"%6$s","url":"https://corp.com/products/new/x"}]}"""
                .formatted(a, p1, p2, k, k % 2 == 0 ? 1_200_000 : 300_000, at);
    }

    static Set<String> members(CohortProcess service) { return service.members(SEGMENT); }
}
