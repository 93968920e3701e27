package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.pipeline.Pipeline;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import io.cohort.reliability.CohortProcess;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.RandomRecords;
import io.cohort.store.RecordStore;
import io.dropwizard.jackson.Jackson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service itself in cluster mode: real {@code server} processes (config.yml with
 * {@code cluster.mode: kafka}) on one embedded PostgreSQL and an embedded KRaft broker, driven
 * only over HTTP. Random batches (merges, splits, deletes, events) are POSTed to different
 * nodes; one node is SIGKILLed and another started meanwhile; a rule edit reloaded on one node
 * must reach all. Then: every node's members (HTTP) equal a single-process evaluation of what
 * the store holds, each change feed folds, what the webhook receiver was sent folds to the
 * audiences, and each (fake) Marketo static list holds exactly the leads of its segment's
 * consenting members. The nodes' directories (config, rules, logs) stay in {@code target/cluster-service/}.
 */
class ClusterServiceIT {
    static final int PARTITIONS = 6;
    static final String TOPIC = "cohort.service";
    static final int BATCHES = Integer.getInteger("cluster.serviceBatches", 100);
    static final int AFTER_EDIT = 20;
    static final List<String> SEGMENTS = List.of("probe-events", "probe-deal", "probe-won");

    @TempDir static Path fixtureRules;
    /** One directory per node: its config.yml, rules and process log. */
    static final Path logs = Path.of("target", "cluster-service", String.valueOf(System.currentTimeMillis()));
    static ClusterFixture f;
    static FoldingReceiver hook;
    static FakeMarketo marketo;
    /** The static list of each segment's Marketo activation. */
    static final Map<String, Long> LISTS = Map.of("probe-events", 1001L, "probe-deal", 1002L);
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A sweep's progress is the cluster's (its work runs on every node's workers), kept in
     * PostgreSQL: one begun as the relay begins one is served by any node on the segment, the status
     * and the gauges, and is not once it is gone. ClusterSweepIT and ClusterRulesIT count real work.
     */
    private static void assertSweepServed(CohortProcess p, String version) throws Exception {
        ClusterSweeps sweeps = new ClusterSweeps(f.jdbi, JSON);
        // The sweeps just before (the re-evaluation's, every segment; the clock's) run on real work.
        // A sweep begun while one is unfinished takes over its segments, and one begun after
        // replaces this one: begin it only once none runs, and show what replaced it if one did.
        long settle = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < settle && (sweeps.current(Set.of()).isPresent() || new RuleWork(JSON).pending(f.jdbi).isPresent())) {
            Thread.sleep(200);
        }
        assertThat(sweeps.current(Set.of())).as("the sweeps before have ended").isEmpty();
        long id = sweeps.begin(WorkCause.RULES, version, Set.of("probe-events"), 1_000_000, f.clock.millis());
        JsonNode seen = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && (seen == null || seen.isNull())) {
            CohortApp.Response r = p.get("/v1/segments/probe-events");
            assertThat(r.status()).as("GET /v1/segments/probe-events: %s", r.body()).isEqualTo(200);
            seen = r.json().path("reevaluation");
            if (seen.isNull()) Thread.sleep(200); // each node reads it at most once a second
        }
        long now = f.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(id), 0) FROM cluster_sweep").mapTo(Long.class).one());
        assertThat(now).as("the sweep begun (%d) is still the cluster's: %s", id, sweeps.current(Set.of())).isEqualTo(id);
        assertThat(seen.path("cause").asText()).as("%s", seen).isEqualTo("rules");
        assertThat(seen.path("rulesVersion").asText()).isEqualTo(version);
        assertThat(seen.path("people").asInt()).isEqualTo(1_000_000);
        assertThat(seen.path("evaluated").asInt()).isLessThan(1_000_000);
        assertThat(p.get("/v1/segments/probe-won").json().path("reevaluation").isNull()).as("a segment it does not evaluate").isTrue();
        JsonNode status = p.get("/v1/status").json().path("evaluation").path("sweep");
        assertThat(status.path("segments").toString()).isEqualTo("[\"probe-events\"]");
        JsonNode gauges = JSON.readTree(p.adminGet("/metrics").body()).path("gauges");
        assertThat(gauges.path("cohort.engine.sweep.people").path("value").asInt()).isEqualTo(1_000_000);

        f.jdbi.useHandle(h -> h.execute("DELETE FROM cluster_sweep"));
        deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !p.get("/v1/status").json().path("evaluation").path("sweep").isNull()) Thread.sleep(200);
        assertThat(p.get("/v1/segments/probe-events").json().path("reevaluation").isNull()).as("none once gone").isTrue();
    }
    int started;

    @BeforeAll static void start() throws Exception {
        Files.createDirectories(logs);
        f = new ClusterFixture(fixtureRules, TOPIC, PARTITIONS);
        hook = new FoldingReceiver();
        marketo = new FakeMarketo().start();
        LISTS.values().forEach(marketo::list);
    }

    @AfterAll static void stop() throws Exception {
        if (hook != null) hook.close();
        if (marketo != null) marketo.close();
        if (f != null) f.close();
    }

    @Test
    void nodesServeIngestMembersRulesAndDeliveriesTogether() throws Exception {
        long t0 = System.nanoTime();
        List<CohortProcess> live = new ArrayList<>();
        List<CohortProcess> all = new ArrayList<>();
        RandomRecords gen = new RandomRecords(Long.getLong("cluster.seed", 20261204L), ClusterFixture.NOW, 50, 35, 12);
        try {
            List<CohortProcess> first = List.of(node(), node(), node());
            all.addAll(first);
            startAll(first);
            live.addAll(first);
            long startedMs = ms(t0);

            Set<Long> batchNumbers = new HashSet<>();
            CohortProcess killed = null;
            CohortProcess joining = null;
            Thread joiner = null;
            for (int i = 0; i < BATCHES; i++) {
                CohortProcess to = live.get(i % live.size());
                batchNumbers.add(post(to, gen.next()));
                if (i == BATCHES / 2) {
                    killed = live.remove(1);
                    killed.kill(); // SIGKILL, mid-ingestion
                    joining = node();
                    all.add(joining);
                    CohortProcess j = joining;
                    joiner = new Thread(() -> {
                        try {
                            j.start();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    joiner.start();
                }
            }
            joiner.join(180_000);
            assertThat(joining.alive()).as("the node started after the kill runs").isTrue();
            live.add(joining);
            assertThat(batchNumbers).as("every accepted batch got its own number, whichever node took it").hasSize(BATCHES);

            f.awaitPublished(new IngestLog(f.jdbi, Jackson.newObjectMapper()).last(), Duration.ofSeconds(90));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).as("workers caught up before the edit").isTrue();
            assertThat(f.realized().stream().filter(q -> q.segmentId().equals("probe-accounts")).count())
                    .as("probe-accounts has members before it is removed").isPositive();

            // A rule edit on one node (file + reload task) reaches every node: one recent event is enough for
            // probe-events, and the segment probe-accounts is removed (its members must exit).
            CohortProcess editor = live.get(0);
            Path probes = editor.rules.resolve("probes.drl");
            String drl = Files.readString(probes).replace("count($now.daysAgo(30)) >= 2", "count($now.daysAgo(30)) >= 1");
            String removed = drl.replaceAll("(?s)rule \"probe: two accounts\".*?\nend\n", "");
            assertThat(removed).isNotEqualTo(drl);
            Files.writeString(probes, removed);
            CohortApp.Response reload = editor.adminPost("/tasks/reload-rules");
            assertThat(reload.body()).as("reload on %s", editor.dir).startsWith("applied ");
            String version = reload.body().substring("applied ".length()).trim();
            assertThat(version).isNotEqualTo(f.book.version());
            for (CohortProcess p : live) awaitRules(p, version);
            long editMs = ms(t0);

            // More batches after the edit, to the nodes that did not make it.
            for (int i = 0; i < AFTER_EDIT; i++) post(live.get(1 + i % (live.size() - 1)), gen.next());
            long last = new IngestLog(f.jdbi, Jackson.newObjectMapper()).last();
            f.awaitPublished(last, Duration.ofSeconds(90));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).as("workers caught up with the topic").isTrue();
            long settledMs = ms(t0);

            // A single process's evaluation of what the store holds (as single mode loads it at start), with the new rules.
            RuleBook edited = FreshEvaluation.compile(editor.rules, f.clock);
            assertThat(edited.version()).isEqualTo(version);
            ProfileGraph stored = new ProfileGraph();
            new Pipeline(Map.of(), new RecordParser(new IngestLimits()), new RecordStore(f.jdbi, Jackson.newObjectMapper()), stored,
                    null, f.clock, new com.codahale.metrics.MetricRegistry()).loadFromStore();
            Set<Qualified> fresh = FreshEvaluation.of(stored, edited, f.clock, 2);
            assertThat(fresh).as("the random data qualifies people").isNotEmpty();
            assertThat(f.realized()).as("memberships in PostgreSQL = a fresh single-process evaluation").isEqualTo(fresh);
            for (CohortProcess p : live) {
                for (String segment : SEGMENTS) {
                    Set<String> expected = membersOf(fresh, segment);
                    assertThat(p.members(segment)).as("members of %s served by %s", segment, p.dir.getFileName()).isEqualTo(expected);
                    // The daily history the workers wrote (one day: the nodes' clock stands still) adds up to the members.
                    JsonNode history = p.get("/v1/segments/" + segment + "/history?days=1").json();
                    JsonNode today = history.get("days").get(0);
                    assertThat(history.get("size").asInt()).isEqualTo(expected.size());
                    assertThat(today.get("members").asLong()).as("history of %s", segment).isEqualTo(expected.size());
                    assertThat(today.get("entered").asLong() - today.get("exited").asLong()).isEqualTo(expected.size());
                }
            }
            assertThat(f.feedViolations()).as("change feeds fold to the memberships").isEmpty();
            assertThat(live.get(1).get("/v1/segments/probe-accounts").status()).as("a removed segment is not served").isEqualTo(404);
            // The read side of every node answers from its own graph, fed by the log: the same profile everywhere.
            for (String email : gen.emails().subList(0, 8)) {
                Set<String> answers = new HashSet<>();
                for (CohortProcess p : live) answers.add(awaitProfile(p, email));
                assertThat(answers).as("profile of %s on every node", email).hasSize(1);
            }

            Set<String> wanted = ClusterRebalanceIT.expectedAdds(stored, fresh).stream()
                    .map(s -> s.replace("events-to-marketo/", "events-hook/").replace("deal-to-marketo/", "deal-hook/"))
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            Set<String> delivered = hook.awaitMembers(wanted);
            assertThat(delivered).as("the webhook receiver's audiences = the segments' consenting members").isEqualTo(wanted);
            for (var list : LISTS.entrySet()) {
                Set<String> audience = emailsOfConsenting(stored, fresh, list.getKey());
                assertThat(audience).as("%s has consenting members with an email", list.getKey()).isNotEmpty();
                assertThat(awaitListEmails(list.getValue(), audience))
                        .as("Marketo list %d = the consenting members of %s", list.getValue(), list.getKey()).isEqualTo(audience);
            }
            // Re-evaluating everyone over HTTP changes nothing that is right: no change, the same members.
            long changesBefore = f.changeCount();
            CohortApp.Response re = live.get(2).adminPost("/tasks/re-evaluate");
            assertThat(re.body()).as("re-evaluate task").startsWith("recorded work for everyone").contains("rules " + version);
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(90))).as("workers caught up with the re-evaluation").isTrue();
            assertThat(f.realized()).as("memberships after re-evaluating").isEqualTo(fresh);
            assertThat(f.changeCount()).as("changes written by re-evaluating unchanged data").isEqualTo(changesBefore);
            JsonNode gauges = JSON.readTree(live.get(2).adminGet("/metrics").body()).path("gauges");
            assertThat(gauges.path("cohort.cluster.consistencyDifferences").path("value").asLong(-1))
                    .as("the consistency gauge, nothing found on correct data").isZero();
            assertThat(gauges.path("cohort.cluster.committedMessages").path("value").asLong()).isPositive();
            assertSweepServed(live.get(1), version);
            // Each activation was dispatched under its lease (one holder at a time; ClusterFencingIT drives the lease itself).
            List<String> leased = f.jdbi.withHandle(h -> h.createQuery("SELECT name FROM cluster_lease WHERE name LIKE 'dispatch:%' ORDER BY name")
                    .mapTo(String.class).list());
            assertThat(leased).containsExactly("dispatch:deal-hook", "dispatch:deal-mkto", "dispatch:events-hook", "dispatch:events-mkto");
            long holders = f.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT holder) FROM cluster_lease WHERE name LIKE 'dispatch:%'")
                    .mapTo(Long.class).one());

            // The clock task on any node moves the whole cluster's time (engine.manualClock, kept in PostgreSQL) and
            // answers once the windows that closed are evaluated: 20 days on, people whose events all fell out of
            // probe-events' 30 days have left, on every node, in the feeds and at the webhook receiver.
            java.time.Instant later = ClusterFixture.NOW.plus(Duration.ofDays(20));
            long clockAt = System.nanoTime();
            CohortApp.Response moved = live.get(2).adminPost("/tasks/clock?advance=P20D");
            long clockMs = ms(clockAt);
            assertThat(moved.status()).as("clock task: %s", moved.body()).isEqualTo(200);
            assertThat(moved.body().trim()).isEqualTo(later.toString());
            Set<Qualified> freshLater = FreshEvaluation.of(stored, edited, new io.cohort.engine.ManualClock(later), 2);
            assertThat(freshLater).as("windows close in 20 days").isNotEqualTo(fresh);
            assertThat(f.realized()).as("memberships when the clock task answered = a fresh evaluation 20 days on").isEqualTo(freshLater);
            for (CohortProcess p : live) {
                for (String segment : SEGMENTS) {
                    assertThat(p.members(segment)).as("members of %s 20 days on, served by %s", segment, p.dir.getFileName())
                            .isEqualTo(membersOf(freshLater, segment));
                }
            }
            assertThat(f.feedViolations()).as("change feeds fold after the clock moved").isEmpty();
            Set<String> wantedLater = ClusterRebalanceIT.expectedAdds(stored, freshLater).stream()
                    .map(s -> s.replace("events-to-marketo/", "events-hook/").replace("deal-to-marketo/", "deal-hook/"))
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            assertThat(hook.awaitMembers(wantedLater)).as("the webhook receiver's audiences 20 days on").isEqualTo(wantedLater);
            // A bad value is refused with what was expected, and moves nothing.
            CohortApp.Response refused = live.get(0).adminPost("/tasks/clock?advance=soon");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body()).contains("advance").contains("ISO-8601 duration");
            assertThat(live.get(0).adminPost("/tasks/clock?advance=PT0S").body().trim()).as("the time after the refusal").isEqualTo(later.toString());
            // Moving the time back closes no window; re-evaluating then brings every audience back to that time.
            assertThat(live.get(1).adminPost("/tasks/clock?set=" + ClusterFixture.NOW).body().trim()).isEqualTo(ClusterFixture.NOW.toString());
            assertThat(live.get(1).adminPost("/tasks/re-evaluate").body()).startsWith("recorded work for everyone");
            long back = System.nanoTime() + 90_000_000_000L;
            while (!f.realized().equals(fresh) && System.nanoTime() < back) Thread.sleep(200);
            assertThat(f.realized()).as("memberships after moving back and re-evaluating = the fresh evaluation then").isEqualTo(fresh);
            assertThat(f.feedViolations()).as("change feeds fold after moving back").isEmpty();

            List<Long> sorted = postMicros.stream().sorted().toList();
            System.out.printf("cluster service: 3 nodes up at %d ms; %d batches over HTTP to 3 then 3 nodes (one SIGKILLed, one started), "
                            + "POST p50 %.1f ms, p99 %.1f ms; rules %s on every node at %d ms; settled at %d ms; %d members, %d changes, "
                            + "%d deliveries wanted; dispatch leases held by %d node(s); clock task (20 days on, %d members then) answered in %d ms; "
                            + "total %d ms%n", startedMs, BATCHES + AFTER_EDIT,
                    sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() * 99 / 100) / 1000.0, version, editMs,
                    settledMs, fresh.size(), f.changeCount(), wanted.size(), holders, freshLater.size(), clockMs, ms(t0));
        } finally {
            for (CohortProcess p : all) p.close();
        }
    }

    private CohortProcess node() throws Exception {
        String name = "node-" + (++started);
        // RandomRecords' marketo-1 ids are not lead ids: the destination's lead-id source is one nobody writes to,
        // so every person reaches Marketo by email (lookup, then createOrUpdate), as people known only to the CRM do.
        return f.node(logs.resolve(name).toAbsolutePath(), "cohort-service", name, "sessionTimeout: 3s, leaseDuration: 3s", """
                destinations:
                  hook: {type: webhook, url: "%s", secret: test-secret}
                  mkto: {type: marketo, baseUrl: "%s", clientId: %s, clientSecret: %s, source: marketo-leads, createMissingLeads: true,
                         maxCallsPerWindow: 500, rateWindow: 1s}
                activations:
                  - {id: events-hook, segment: probe-events, destination: hook}
                  - {id: deal-hook, segment: probe-deal, destination: hook}
                  - {id: events-mkto, segment: probe-events, destination: mkto, params: {listId: "%d"}}
                  - {id: deal-mkto, segment: probe-deal, destination: mkto, params: {listId: "%d"}}
                dispatcher: {pollInterval: 200ms}
                """.formatted(hook.url(), marketo.url(), FakeMarketo.CLIENT_ID, FakeMarketo.CLIENT_SECRET,
                LISTS.get("probe-events"), LISTS.get("probe-deal")));
    }

    /** Starts the processes side by side (each waits for its own port). */
    static void startAll(List<CohortProcess> nodes) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        for (CohortProcess p : nodes) {
            Thread t = new Thread(() -> {
                try {
                    p.start();
                } catch (Exception e) {
                    failures.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join(180_000);
        if (!failures.isEmpty()) throw failures.get(0);
    }

    private final List<Long> postMicros = Collections.synchronizedList(new ArrayList<>());

    private long post(CohortProcess to, RandomRecords.Batch b) {
        long started = System.nanoTime();
        CohortApp.Response r = to.post("/v1/sources/" + b.source() + "/records", b.body());
        postMicros.add((System.nanoTime() - started) / 1_000);
        assertThat(r.status()).as("POST to %s: %s", to.dir.getFileName(), r.body()).isEqualTo(200);
        return r.json().get("batch").asLong();
    }

    private static void awaitRules(CohortProcess p, String version) throws InterruptedException {
        long until = System.nanoTime() + 30_000_000_000L;
        String seen = null;
        while (System.nanoTime() < until) {
            seen = p.get("/v1/rules").json().get("activeVersion").asText();
            if (seen.equals(version)) return;
            Thread.sleep(100);
        }
        throw new AssertionError(p.dir.getFileName() + " runs rules " + seen + ", not the cluster's " + version);
    }

    /** The profile id a node serves for an email (its graph may trail the log by a poll). */
    private static String awaitProfile(CohortProcess p, String email) throws InterruptedException {
        CohortApp.Response r = null;
        for (int i = 0; i < 50; i++) {
            r = p.get("/v1/profiles?email=" + java.net.URLEncoder.encode(email, StandardCharsets.UTF_8));
            if (r.status() == 200) return r.body();
            if (r.status() == 404) return "404";
            Thread.sleep(100);
        }
        throw new AssertionError("profile of " + email + " on " + p.dir.getFileName() + ": " + r);
    }

    private static Set<String> membersOf(Set<Qualified> qualified, String segment) {
        Set<String> out = new TreeSet<>();
        qualified.stream().filter(q -> q.segmentId().equals(segment)).forEach(q -> out.add(q.personId()));
        return out;
    }

    /** The normalized emails of a segment's members who did not opt out (people without an email cannot be sent). */
    private static Set<String> emailsOfConsenting(ProfileGraph graph, Set<Qualified> members, String segment) {
        Set<String> out = new TreeSet<>();
        for (Qualified q : members) {
            if (!q.segmentId().equals(segment)) continue;
            graph.person(q.personId()).map(u -> u.person()).filter(p -> !p.emailOptOut() && p.email() != null)
                    .ifPresent(p -> out.add(p.email().trim().toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    /** The emails of a Marketo list's leads, once they equal {@code wanted} or after 60 s. */
    private static Set<String> awaitListEmails(long listId, Set<String> wanted) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        Set<String> now;
        do {
            now = new TreeSet<>();
            for (long lead : marketo.members(listId)) now.add(String.valueOf(marketo.leadEmail(lead)).toLowerCase(Locale.ROOT));
            if (now.equals(wanted)) return now;
            Thread.sleep(200);
        } while (System.nanoTime() < until);
        return now;
    }

    private static long ms(long since) { return (System.nanoTime() - since) / 1_000_000; }
}
