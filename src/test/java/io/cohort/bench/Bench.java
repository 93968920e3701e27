package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.destination.fake.FakeMarketo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The benchmark: one generated data set, one run, every figure of docs/benchmarks.md.
 *
 * <pre>
 * Bench &lt;profiles&gt; [seed=42] [clients=4] [batch=1000] [rate=5000] [streamSeconds=30]
 *       [streamClients=4] [order=generated|reverse|shuffle] [data=data/bench] [out=bench/results]
 * </pre>
 *
 * Runs the real service in this JVM (so heap figures are the service's plus this harness's small
 * change) and DuckDB in-process through JDBC. Prints figures; asserts only that both engines
 * produce the same audiences, for every shipped segment (exit code 1 when they do not), and that
 * the fake Marketo list ends up as the audience.
 *
 * <p>From the restart after the cold start on, high-value-new-product is activated to a static list
 * of a local {@link FakeMarketo} (option {@code marketo=false} turns that off): the streaming phase
 * then also times ack → the fake receiving each trigger's add and remove.
 */
public final class Bench {
    static final String SEGMENT = "high-value-new-product";
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final long MARKETO_LIST = 4242;
    static final String ACTIVATION = "hv-marketo";

    private final List<String> out = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, String> summary = new LinkedHashMap<>();
    private boolean serviceLogChecked;

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Bench <profiles> [seed=42] [clients=4] [batch=1000] [rate=5000] [streamSeconds=30] [db=h2|postgres] "
                    + "[streamClients=4] [order=generated] [updates=0.2] [marketo=true] [marketoLimit=100] [data=data/bench] [out=bench/results]");
            System.exit(2);
        }
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            o.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        Bench b = new Bench();
        int code;
        try {
            code = b.run(Integer.parseInt(args[0].replace("_", "")), o);
        } catch (Exception e) {
            if (!b.failures.isEmpty()) { // what was found before the run broke off often explains it
                System.out.println("\nFAILED before the run broke off:");
                b.failures.forEach(f -> System.out.println("  " + f));
            }
            throw e;
        }
        System.exit(code);
    }

    private void say(String fmt, Object... a) {
        String s = a.length == 0 ? fmt : String.format(fmt, a);
        out.add(s);
        System.out.println(s);
        System.out.flush();
    }

    private void fig(String key, String value) {
        summary.put(key, value);
        say("  %-44s %s", key, value);
    }

    private int run(int profiles, Map<String, String> o) throws Exception {
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        int clients = Integer.parseInt(o.getOrDefault("clients", "4"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "1000"));
        int rate = Integer.parseInt(o.getOrDefault("rate", "5000"));
        int streamSeconds = Integer.parseInt(o.getOrDefault("streamSeconds", "30"));
        int streamClients = Integer.parseInt(o.getOrDefault("streamClients", "4"));
        boolean marketoOn = Boolean.parseBoolean(o.getOrDefault("marketo", "true"));
        // cold=false: no restart in a fresh JVM (at 1M, a second JVM with the data does not fit
        // next to this one, which keeps the stopped service reachable); heap is measured warm.
        boolean coldOn = Boolean.parseBoolean(o.getOrDefault("cold", "true"));
        // ruleChange=false: skip it (a reload holds the old and the new sessions at once: at 1M
        // that is twice the rule memory, more than the heap the machine leaves next to DuckDB).
        boolean ruleChangeOn = Boolean.parseBoolean(o.getOrDefault("ruleChange", "true"));
        // reuse=true: no ingest; every later phase runs on the store an earlier run of the same data
        // left in data/bench/run-N (an ingest at 1M is an hour: this measures the rest in one).
        boolean reuse = Boolean.parseBoolean(o.getOrDefault("reuse", "false"));
        // db=postgres: the service on an embedded PostgreSQL instead of H2 files (BenchStore).
        System.setProperty(BenchStore.DB, o.getOrDefault("db", System.getProperty(BenchStore.DB, "h2")));
        BenchStore.postgres(); // refuses another value before anything runs
        // crash=false: skip the restart without a snapshot (six minutes at 1M; the figure changes little).
        boolean crashOn = Boolean.parseBoolean(o.getOrDefault("crash", "true"));
        // The adapter's client-side limit (maxCallsPerWindow per 20 s): Marketo's documented 100 by default.
        int marketoLimit = Integer.parseInt(o.getOrDefault("marketoLimit", "100"));
        double updates = Double.parseDouble(o.getOrDefault("updates", "0.2"));
        // cross=0.25: a quarter of people also related to another company's account (one giant component).
        double cross = Double.parseDouble(o.getOrDefault("cross", "0"));
        // ids=numeric: CRM ids numbered per object type (account 7, its first deal 7, contact 7-2), so
        // relations of two types share keys (DataGenerator's numericIds).
        String ids = o.getOrDefault("ids", "prefixed");
        if (!List.of("prefixed", "numeric").contains(ids)) throw new IllegalArgumentException("ids=" + ids);
        boolean numericIds = ids.equals("numeric");
        // order=reverse|shuffle: send the batches in another order than generated (company by
        // company, sources interleaved): relations, deals and MDM links before what they name.
        String order = o.getOrDefault("order", "generated");
        if (!List.of("generated", "reverse", "shuffle").contains(order)) throw new IllegalArgumentException("order=" + order);
        // segments=50: that many generated segments beside the shipped ones (each with its SQL).
        List<GeneratedSegments.Generated> generated = GeneratedSegments.of(Integer.parseInt(o.getOrDefault("segments", "0")));
        List<DuckDbBaseline.SegmentSql> allSql = new ArrayList<>(DuckDbBaseline.SEGMENTS);
        generated.forEach(g -> allSql.add(g.sql()));
        Path root = Path.of(o.getOrDefault("data", "data/bench"));
        Path results = Path.of(o.getOrDefault("out", "bench/results"));
        Files.createDirectories(root);

        say("# Cohort benchmark: %,d profiles (seed %d)", profiles, seed);
        say("machine: %d cores, max heap %,d MB, Java %s; load average at start %s", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"), HeapProbe.load());

        // --- data
        say("\n## Data");
        long t = System.nanoTime();
        var m = DataGenerator.writeOrReuse(root.resolve("data"), seed, profiles, NOW, batch, cross, numericIds);
        fig("profiles (unified people)", String.format("%,d", m.profiles()));
        fig("companies", String.format("%,d", m.companies()));
        fig("source records", String.format("%,d in %,d batches %s", m.records(), m.batches().size(), m.recordsBySource()));
        fig("arrival order of the batches", order.equals("shuffle") ? "shuffled (seed " + seed + ")" : order);
        fig("CRM ids", numericIds ? "numbered per object type (account 7, its first deal 7, contact 7-2)" : "prefixed (001C7, 006C7O0, 003C7P2)");
        fig("cross-company relations", cross == 0 ? "none" : String.format("%.0f%% of people also related to another company's account", cross * 100));
        fig("segments", String.format("%d shipped + %d generated", DuckDbBaseline.SEGMENTS.size(), generated.size()));
        fig("generate or reuse", ms(System.nanoTime() - t));

        // --- DuckDB baseline
        DuckDbBaseline duck = new DuckDbBaseline(2, o.getOrDefault("duckMemory", "4GB"));
        say("\n## DuckDB %s (threads=2), same NDJSON, segment as SQL", duck.version());
        t = System.nanoTime();
        long loaded = duck.load(m.dir());
        long duckLoad = System.nanoTime() - t;
        fig("duckdb load (read_json → tables)", ms(duckLoad) + String.format(" (%,d records)", loaded));
        // Every segment, each query on its own (its time includes the unification it needs).
        Map<String, Set<String>> duckAudiences = new LinkedHashMap<>();
        Map<String, Long> firstQuery = new LinkedHashMap<>();
        Map<String, Long> bestQuery = new LinkedHashMap<>();
        for (DuckDbBaseline.SegmentSql seg : allSql) {
            t = System.nanoTime();
            duckAudiences.put(seg.id(), duck.audience(seg, NOW, 1e6));
            firstQuery.put(seg.id(), System.nanoTime() - t);
        }
        for (int i = 0; i < 3; i++) {
            for (DuckDbBaseline.SegmentSql seg : allSql) {
                t = System.nanoTime();
                duck.audience(seg, NOW, 1e6);
                bestQuery.merge(seg.id(), System.nanoTime() - t, Math::min);
            }
        }
        say("  %-44s %s", "duckdb per segment (rules/…)", "audience (share of profiles), query first / best of 3");
        for (DuckDbBaseline.SegmentSql seg : allSql) {
            int n = duckAudiences.get(seg.id()).size();
            fig("    " + seg.id(), String.format("%,6d (%4.1f%%)  %s / %s   [%s]", n, 100.0 * n / m.profiles(),
                    ms(firstQuery.get(seg.id())), ms(bestQuery.get(seg.id())), seg.drl()));
            if (n == 0) say("  WARNING: %s has an empty audience in this data set: its comparison proves little", seg.id());
        }
        long duckQueriesAll = firstQuery.values().stream().mapToLong(Long::longValue).sum();
        long duckQueryCold = firstQuery.get(SEGMENT);
        long duckQuery = bestQuery.get(SEGMENT);
        Set<String> duckAudience = duckAudiences.get(SEGMENT);
        fig("duckdb all " + allSql.size() + " segment queries (first / best of 3)", ms(duckQueriesAll) + " / "
                + ms(bestQuery.values().stream().mapToLong(Long::longValue).sum()));
        fig("duckdb batch = load + all segment queries", ms(duckLoad + duckQueriesAll));
        fig("duckdb batch = load + " + SEGMENT + " only", ms(duckLoad + duckQueryCold));
        Set<String> optedOut = duck.optedOut();
        List<DuckDbBaseline.Candidate> candidates = duck.wouldEnter(NOW, 1e6, 5000);
        long duckRefresh = Long.MAX_VALUE;
        if (!candidates.isEmpty()) {
            var c = candidates.get(candidates.size() - 1);
            t = System.nanoTime();
            duck.addPageView(c.leadSource(), "REFRESH-1", c.leadId(), NOW.minusSeconds(60), "https://www.bodea.com/products/new");
            Set<String> after = duck.highValue(NOW, 1e6);
            duckRefresh = System.nanoTime() - t;
            if (!after.contains(UnifiedEmail.of(c.email()))) failures.add("duckdb refresh: " + c.email() + " did not enter");
            duck.deleteEvent(c.leadSource(), "REFRESH-1");
            candidates = candidates.subList(0, candidates.size() - 1);
            fig("duckdb refresh after one change (insert + query)", ms(duckRefresh));
        }
        t = System.nanoTime();
        Set<String> duckAudience2m = duck.highValue(NOW, 2e6);
        long duckRule = System.nanoTime() - t;
        fig("duckdb rule change (query with $2M)", ms(duckRule) + String.format(", audience %,d", duckAudience2m.size()));
        Map<String, Set<String>> duckAudiences2m = new LinkedHashMap<>(duckAudiences);
        duckAudiences2m.put(SEGMENT, duckAudience2m);

        // --- Cohort: empty start, ingest
        say("\n## Cohort");
        Path work = root.resolve(BenchStore.runDirectory(profiles));
        Path log = root.resolve("cohort-bench-" + profiles + ".log");
        Files.deleteIfExists(log);
        // Streaming writes records the data set does not have: such a store no longer matches DuckDB's.
        Path streamed = work.resolve("STREAMED");
        if (reuse && !BenchStore.exists(work)) throw new IllegalStateException("reuse=true: no store in " + work);
        if (reuse && Files.exists(streamed)) {
            throw new IllegalStateException("reuse=true: " + work + " holds the records of a streaming phase; run without reuse");
        }
        Path empty = root.resolve("run-empty");
        deleteTree(reuse ? empty : work);
        BenchStore.wipe(reuse ? empty : work);
        say("store: %s", BenchStore.describe(work));
        // With reuse, the empty-store figures come from a service of its own on an empty directory.
        BenchApp app = new BenchApp(reuse ? empty : work, log);
        for (GeneratedSegments.Generated g : generated) Files.writeString(app.rules.resolve(g.file()), g.drl());
        long heapNoApp = HeapProbe.usedAfterGc();
        t = System.nanoTime();
        app.start();
        long startEmpty = System.nanoTime() - t;
        app.task("clock?set=" + NOW);
        long heapEmpty = HeapProbe.usedAfterGc();
        fig("start on an empty store", ms(startEmpty));
        fig("heap after GC, empty store", mb(heapEmpty) + " (" + mb(heapEmpty - heapNoApp) + " more than before the start)");
        if (reuse) {
            app.stop();
            // The shipped rules of this build (a restart re-evaluates the segments whose rules changed).
            deleteTree(work.resolve("rules"));
            app = new BenchApp(work, log);
            for (GeneratedSegments.Generated g : generated) {
                if (!Files.readString(app.rules.resolve(g.file())).equals(g.drl())) {
                    throw new IllegalStateException("reuse=true: " + g.file() + " differs from the run that made the store");
                }
            }
        }

        long heapLoaded = -1;
        if (reuse) {
            say("  (1) ingest: not run (reuse=true: the store an earlier run of the same data left in %s)", work);
        } else {
            say("load average before ingest: %s", HeapProbe.load());
            Latencies ackLat = new Latencies();
            long cpu0 = HeapProbe.cpuNanos();
            t = System.nanoTime();
            long recs = ingest(app, arrival(m.batches(), order, seed), clients, ackLat);
            long ingestNanos = System.nanoTime() - t;
            app.settle(Duration.ofHours(3));
            long settledNanos = System.nanoTime() - t;
            long ingestCpu = HeapProbe.cpuNanos() - cpu0;
            fig("(1) durable ingest, " + clients + " clients, NDJSON", String.format("%,.0f records/s (%,d records in %s; batch ack %s)",
                    recs / (ingestNanos / 1e9), recs, ms(ingestNanos), ackLat));
            fig("    ingest until evaluated", String.format("%,.0f records/s (%s)", recs / (settledNanos / 1e9), ms(settledNanos)));
            fig("    CPU per 1,000 records (service + clients)", String.format("%,.0f ms (%s CPU in %s wall: %.2f cores)",
                    ingestCpu / 1e6 / (recs / 1000.0), ms(ingestCpu), ms(settledNanos), ingestCpu / (double) settledNanos));
            say("load average after ingest: %s", HeapProbe.load());

            heapLoaded = HeapProbe.usedAfterGc();
            fig("heap after GC, loaded (warm)", mb(heapLoaded));
            fig("people evaluated during ingest", String.format("%,d (%.1f per profile)", app.services().evaluator().stats().evaluations(),
                    app.services().evaluator().stats().evaluations() / (double) m.profiles()));
            Set<String> served = app.segments();
            for (String seg : served) {
                if (!duckAudiences.containsKey(seg)) failures.add("segment " + seg + " is served but has no SQL in DuckDbBaseline.SEGMENTS");
            }
            for (String seg : duckAudiences.keySet()) {
                if (!served.contains(seg)) failures.add("segment " + seg + " has SQL in DuckDbBaseline but the service does not define it");
            }
            checkServiceLog(log, "after ingest");
            check("after ingest", app.allMembers(), duckAudiences);
        }
        if (!coldOn && !reuse) {
            fig("(5) heap per profile (warm: this JVM, after ingest)", String.format("%,.0f bytes ((%s - %s empty store) / %,d profiles)",
                    (heapLoaded - heapEmpty) / (double) m.profiles(), mb(heapLoaded), mb(heapEmpty), m.profiles()));
        }
        // --- cold start
        long coldEval = -1;
        long fullEval = -1;
        if (coldOn) {
        if (!reuse) app.stop();
        fig("heap after GC, service stopped", mb(HeapProbe.usedAfterGc()) + " (live: " + HeapProbe.counts(
                "io.cohort.model.Activity", "io.cohort.model.EventSeries", "org.drools.core.common.DefaultFactHandle") + ")");
        say("load average before cold start: %s", HeapProbe.load());
        Path coldMembers = root.resolve("cold-members-" + profiles + ".txt");
        Map<String, Long> cold = new LinkedHashMap<>();
        List<String> hist = new ArrayList<>();
        try {
            coldStart(work, log, coldMembers, cold, hist);
        } finally {
            checkServiceLog(log, "cold start");
        }
        coldEval = cold.getOrDefault("evalMillis", -1L);
        fig("(2) restart, fresh JVM on the loaded store: ports open", ms(cold.get("portsNanos")) + " (start on empty store: "
                + ms(startEmpty) + "); stored audiences served from then on");
        fig("    ready: profiles loaded, nothing left to evaluate", ms(cold.get("coldNanos")) + String.format(" (service log: %,d ms; graph %s)",
                coldEval, cold.get("fromSnapshot") == 1 ? "read from the snapshot of the clean stop" : "loaded from the store"));
        fig("    CPU used by the start", ms(cold.get("coldCpuNanos")) + String.format(" (%.2f cores)",
                cold.get("coldCpuNanos") / (double) cold.get("coldNanos")));
        fig("    peak heap used during start (sampled)", mb(cold.get("peakHeap")));
        fig("    then clock tick (re-evaluate time windows)", ms(cold.get("tickNanos")));
        long heapCold = cold.get("heapLoaded") - cold.get("heapBefore");
        long appEmpty = heapEmpty - heapNoApp;
        fig("(5) heap after GC, loaded, fresh JVM", mb(cold.get("heapLoaded")) + " (" + mb(heapCold) + " more than before the start)");
        fig("    heap per profile", String.format("%,.0f bytes ((%s - %s empty service) / %,d profiles)",
                (heapCold - appEmpty) / (double) m.profiles(), mb(heapCold), mb(appEmpty), m.profiles()));
        fig("    people evaluated by the start", String.format("%,d (0 when rules and data were unchanged)", cold.get("evaluations")));
        say("\nlive objects after the cold start (class histogram, top 30):");
        hist.forEach(l -> say("    %s", l));
        check("after cold start", readMembers(coldMembers), duckAudiences);

        if (crashOn) {
            // After a crash there is no matching snapshot: the graph loads from the store's rows.
            Files.deleteIfExists(work.resolve("graph.snapshot"));
            Map<String, Long> crash = new LinkedHashMap<>();
            try {
                coldStart(work, log, coldMembers, crash, new ArrayList<>());
            } finally {
                checkServiceLog(log, "restart without snapshot");
            }
            fig("(2a) restart after a crash (no snapshot: every stored record read and decoded)", ms(crash.get("coldNanos"))
                    + String.format(" until ready (service log: %,d ms; CPU %s)", crash.get("evalMillis"), ms(crash.get("coldCpuNanos"))));
            check("after the restart without snapshot", readMembers(coldMembers), duckAudiences);
        }

        // Rules changed while the service was down (every rule renamed, decision-table rows too: the
        // same audiences, but every segment's signature differs): a full evaluation of everyone at start.
        Map<String, String> original = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(work.resolve("rules"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".drl") || f.toString().endsWith(".csv")).toList()) {
                String text = Files.readString(f);
                original.put(f.toString(), text);
                Files.writeString(f, f.toString().endsWith(".drl")
                        ? text.replaceAll("(?m)^rule \"([^\"]*)\"", "rule \"$1 (renamed)\"")
                        : text.replaceAll("(?m)^\"([^\"]*)\",", "\"$1 (renamed)\","));
            }
        }
        Map<String, Long> full = new LinkedHashMap<>();
        try {
            coldStart(work, log, coldMembers, full, new ArrayList<>());
        } finally {
            for (var e : original.entrySet()) Files.writeString(Path.of(e.getKey()), e.getValue());
            checkServiceLog(log, "cold start with changed rules");
        }
        fullEval = full.get("coldNanos");
        fig("(2b) restart with every segment's rules changed while down", ms(fullEval) + String.format(" until ready: load + "
                + "evaluate %,d people for all segments (service log: %,d ms)", full.get("evaluations"), full.get("evalMillis")));
        fig("    peak heap used during that start (sampled)", mb(full.get("peakHeap")));
        check("after the restart with changed rules", readMembers(coldMembers), duckAudiences);
        }

        // --- restart with high-value-new-product activated to a fake Marketo static list
        FakeMarketo marketo = null;
        Set<String> exported = new TreeSet<>(duckAudience);
        exported.removeAll(optedOut);
        Set<String> exported2m = new TreeSet<>(duckAudience2m);
        exported2m.removeAll(optedOut);
        if (marketoOn) {
            marketo = new FakeMarketo().start();
            marketo.list(MARKETO_LIST);
            Map<Long, String> leads = duck.leads("marketo-1"); // what the Marketo instance of line 1 holds
            leads.forEach(marketo::lead);
            // Real Marketo limits (100 calls / 20 s, 10 concurrent: the adapter's defaults; marketoLimit=
            // changes the first, to tell the pipeline's own latency from the vendor's limit). People
            // without a marketo-1 lead (line 2 only) are looked up by email and created.
            app.withExtraConfig("""
                    destinations:
                      marketo-1: {type: marketo, baseUrl: "%s", clientId: %s, clientSecret: %s, source: marketo-1,
                                  createMissingLeads: true, maxCallsPerWindow: %d, rateWindow: 20s}
                    activations:
                      - {id: %s, segment: %s, destination: marketo-1, params: {listId: "%d"}}
                    """.formatted(marketo.url(), FakeMarketo.CLIENT_ID, FakeMarketo.CLIENT_SECRET, marketoLimit, ACTIVATION, SEGMENT,
                    MARKETO_LIST), io.dropwizard.testing.ConfigOverride.config("engine.manualClockStart", NOW.toString()));
            say("\n(6) activation %s: %s → FakeMarketo static list %d (%,d marketo-1 leads known to it; %,d members to export, "
                    + "%,d opted out not exported)", ACTIVATION, SEGMENT, MARKETO_LIST, leads.size(), exported.size(),
                    duckAudience.size() - exported.size());
        }
        t = System.nanoTime();
        if (coldOn || marketoOn || reuse) {
            if (!coldOn && !reuse) app.stop();
            app.start();
            app.task("clock?set=" + NOW);
        }
        if (marketoOn) {
            awaitDelivered(app, Duration.ofMinutes(30));
            fig("    start + initial export of the audience", ms(System.nanoTime() - t) + String.format(" (%,d Marketo calls)",
                    marketo.requests().size()));
            checkMarketo("Marketo list after the initial export", marketo, exported);
        }

        // --- rule change
        long ruleNanos = -1;
        if (ruleChangeOn) {
        Path file = app.rules.resolve(SEGMENT + ".drl");
        String good = Files.readString(file);
        Files.writeString(file, good.replace("$total > 1000000", "$total > 2000000"));
        t = System.nanoTime();
        String res = app.task("reload-rules");
        ruleNanos = System.nanoTime() - t;
        fig("(4) rule change $1M → $2M until new audience", ms(ruleNanos) + " (" + res.trim() + ")"
                + (marketoOn ? "; outbox written in the same transaction" : ""));
        if (marketoOn) {
            awaitDelivered(app, Duration.ofMinutes(30));
            fig("    until the Marketo list has the new audience", ms(System.nanoTime() - t));
        }
        checkServiceLog(log, "rule change");
        check("rule change to $2M", app.allMembers(), duckAudiences2m);
        if (marketoOn) checkMarketo("Marketo list after the rule change to $2M", marketo, exported2m);
        Files.writeString(file, good);
        t = System.nanoTime();
        app.task("reload-rules");
        fig("    and back to $1M", ms(System.nanoTime() - t));
        if (marketoOn) {
            awaitDelivered(app, Duration.ofMinutes(30));
            fig("    until the Marketo list has it", ms(System.nanoTime() - t));
        }
        check("rule change back to $1M", app.allMembers(), duckAudiences);
        if (marketoOn) checkMarketo("Marketo list after the rule change back to $1M", marketo, exported);
        }

        // --- streaming
        if (streamSeconds > 0) {
            say("\n(3) streaming: %,d records/s offered for %d s (%.0f%% updates, the rest events), %d clients, %,d eligible "
                    + "people for triggers; load average %s", rate, streamSeconds, updates * 100, streamClients, candidates.size(),
                    HeapProbe.load());
            Files.writeString(streamed, "records beyond the data set were streamed into this store\n");
            var gen = new DataGenerator(seed, NOW, 0, numericIds);
            var load = new StreamLoad(app, gen, m.companies(), candidates, SEGMENT, marketo, MARKETO_LIST);
            long streamCpu = HeapProbe.cpuNanos();
            var s = load.run(rate, streamSeconds, streamClients, updates);
            streamCpu = HeapProbe.cpuNanos() - streamCpu;
            fig("    achieved", String.format("%,.0f records/s (%,d records, %,d batches; %d batches still queued at the end)",
                    s.achieved(), s.records(), s.batches(), s.backlog()));
            fig("    batch due → ack", s.ack().toString());
            fig("    ack → evaluated (rules fired)", s.evaluated().toString());
            fig("    ack → membership change in change feed", s.membership().toString());
            fig("    triggers / missed / unexpected changes", s.triggers() + " / " + s.missed() + " / " + s.unexpected());
            if (marketoOn) {
                fig("    ack → FakeMarketo add (enter)", s.marketoAdd().toString());
                fig("    ack → FakeMarketo remove (exit)", s.marketoRemove().toString());
                Latencies both = new Latencies();
                for (double v : s.marketoAdd().values()) both.add(v);
                for (double v : s.marketoRemove().values()) both.add(v);
                fig("    ack → FakeMarketo, add and remove", both + (both.count() == 0 ? "" : String.format(
                        "; target p99 ≤ 1 s: %s", both.pct(99) <= 1000 ? "met" : "NOT met")));
                fig("    of which change feed → FakeMarketo", s.feedToMarketo().toString());
                fig("    Marketo: missed / unexpected / calls", String.format("%d / %d / %,d (%.1f calls/s; adapter limit %d calls "
                        + "per 20 s) %s", s.marketoMissed(), s.marketoUnexpected(), s.marketoCalls(),
                        s.marketoCalls() / (double) streamSeconds, marketoLimit, s.marketoCallKinds()));
                if (s.marketoMissed() > 0) failures.add("Marketo: " + s.marketoMissed() + " trigger changes never reached FakeMarketo");
            }
            fig("    CPU per 1,000 records (service + clients)", String.format("%,.0f ms", streamCpu / 1e6 / (s.records() / 1000.0)));
            say("load average after streaming: %s", HeapProbe.load());
            if (marketoOn) {
                // Triggers that entered near the end never exited: compare with Cohort's own audience now.
                awaitDelivered(app, Duration.ofMinutes(5));
                Set<String> now = new TreeSet<>(app.members(SEGMENT));
                now.removeAll(optedOut);
                checkMarketo("Marketo list after streaming (Cohort's audience then)", marketo, now);
            }
        }
        readApis(app, seed);
        app.stop();
        if (marketo != null) marketo.stop();
        duck.close();

        say("\n## Ratios (Cohort / DuckDB; < 1 means Cohort is faster)");
        if (fullEval >= 0) {
            fig("full evaluation at start (load + evaluate all) / duckdb batch (load + all queries)",
                    ratio(fullEval, duckLoad + duckQueriesAll));
        }
        if (ruleNanos >= 0) fig("rule change / duckdb re-query", ratio(ruleNanos, duckRule));
        say("  (refresh after one change: compare the streaming ack → membership figures with duckdb's %s)",
                ms(duckRefresh));
        say("load average at the end: %s", HeapProbe.load());
        if (!failures.isEmpty()) {
            say("\nFAILED:");
            failures.forEach(f -> say("  %s", f));
        } else {
            say("\naudiences identical in Cohort and DuckDB at every check");
        }
        Files.createDirectories(results);
        Path report = results.resolve(profiles + "-" + java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-') + ".txt");
        Files.write(report, out, StandardCharsets.UTF_8);
        System.out.println("report written to " + report);
        return failures.isEmpty() ? 0 : 1;
    }

    /**
     * (7) The read APIs a console or a support agent calls, one client after another, for people
     * at random among the members of the largest audience (people with accounts and deals): the
     * profile by email, one of their accounts, and the explanation of a segment for them. Their
     * cost must not grow with the component the person's relations chain into.
     */
    void readApis(BenchApp app, long seed) throws Exception {
        List<String> emails = new ArrayList<>(app.members("upsell-customers"));
        if (emails.isEmpty()) return;
        java.util.Collections.shuffle(emails, new java.util.Random(seed));
        int n = Math.min(1_100, emails.size());
        say("\n(7) read APIs, one client, %,d people at random among upsell-customers' members (first 100 warm up); load average %s",
                n, HeapProbe.load());
        Latencies profile = new Latencies(), account = new Latencies(), explain = new Latencies(), page = new Latencies();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String email = emails.get(i);
            long t = System.nanoTime();
            JsonNode p = app.get("/v1/profiles?email=" + java.net.URLEncoder.encode(email, java.nio.charset.StandardCharsets.UTF_8));
            double profileMs = (System.nanoTime() - t) / 1e6;
            String id = p.get("id").asText();
            ids.add(id);
            JsonNode accounts = p.get("accounts");
            double accountMs = Double.NaN;
            if (accounts != null && accounts.size() > 0) {
                String acc = accounts.get(0).get("id").asText();
                t = System.nanoTime();
                app.get("/v1/accounts/" + java.net.URLEncoder.encode(acc, java.nio.charset.StandardCharsets.UTF_8));
                accountMs = (System.nanoTime() - t) / 1e6;
            }
            t = System.nanoTime();
            app.get("/v1/segments/upsell-customers/explain?person=" + id);
            double explainMs = (System.nanoTime() - t) / 1e6;
            if (i < 100) continue;
            profile.add(profileMs);
            if (!Double.isNaN(accountMs)) account.add(accountMs);
            explain.add(explainMs);
        }
        fig("    GET /v1/profiles?email=", profile.toString());
        fig("    GET /v1/accounts/{id}", account.toString());
        fig("    GET /v1/segments/{id}/explain?person=", explain.toString());
        // A page of members (1,000, as an export reads them) from a cursor at random.
        for (int i = 0; i < Math.min(300, ids.size()); i++) {
            long t = System.nanoTime();
            app.get("/v1/segments/upsell-customers/members?limit=1000&after=" + ids.get(i));
            if (i >= 20) page.add((System.nanoTime() - t) / 1e6);
        }
        fig("    GET /v1/segments/{id}/members?limit=1000&after=", page.toString());
        double worst = Math.max(Math.max(profile.pct(99), page.pct(99)), Math.max(account.pct(99), explain.pct(99)));
        fig("    every read API p99 ≤ 50 ms", worst <= 50 ? "met" : String.format("NOT met (worst p99 %.1f ms)", worst));
    }

    /** The batch files in the order the clients take them. */
    static List<Path> arrival(List<Path> generated, String order, long seed) {
        List<Path> out = new ArrayList<>(generated);
        switch (order) {
            case "reverse" -> java.util.Collections.reverse(out);
            case "shuffle" -> java.util.Collections.shuffle(out, new java.util.Random(seed));
            default -> { }
        }
        return out;
    }

    private long ingest(BenchApp app, List<Path> batches, int clients, Latencies acks) throws Exception {
        ConcurrentLinkedQueue<Path> queue = new ConcurrentLinkedQueue<>(batches);
        AtomicLong done = new AtomicLong();
        AtomicLong records = new AtomicLong();
        int total = batches.size();
        ExecutorService ex = Executors.newFixedThreadPool(clients);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            fs.add(ex.submit(() -> {
                for (Path p; (p = queue.poll()) != null; ) {
                    byte[] body = Files.readAllBytes(p);
                    long t = System.nanoTime();
                    app.postNdjson(p.getParent().getFileName().toString(), body);
                    acks.add((System.nanoTime() - t) / 1e6);
                    int lines = 0;
                    for (byte b : body) if (b == '\n') lines++;
                    records.addAndGet(lines);
                    long d = done.incrementAndGet();
                    if (total >= 50 && d % (total / 10) == 0) System.out.printf("    ingest %d%%%n", d * 100 / total);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        ex.shutdown();
        return records.get();
    }

    /** Runs {@link ColdStart} in a fresh JVM with this JVM's class path and options. */
    private static void coldStart(Path work, Path log, Path members, Map<String, Long> results, List<String> hist)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            cmd.add(a.replace(".jfr", "-cold.jfr"));
        }
        // The same database: a PostgreSQL server of this JVM's is shared by its port.
        cmd.addAll(BenchStore.childOptions(work));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ColdStart.class.getName(), work.toString(),
                log.toString(), NOW.toString(), members.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        java.util.ArrayDeque<String> other = new java.util.ArrayDeque<>();
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    String[] f = line.split(" ");
                    results.put(f[1], Long.parseLong(f[2]));
                } else if (line.startsWith("HIST ")) {
                    hist.add(line.substring(5));
                } else {
                    other.addLast(line);
                    if (other.size() > 40) other.removeFirst();
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cold start JVM failed: exit " + p.exitValue() + "; its last output:\n  "
                    + String.join("\n  ", other));
        }
    }

    /**
     * Evaluation rounds the service reported as failed in its log (it retries them forever, so the
     * audiences simply stop changing): named once, with the first cause, as a failure of the run.
     */
    private void checkServiceLog(Path log, String when) throws IOException {
        if (serviceLogChecked || !Files.exists(log)) return;
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        // "not stored": the database could not complete it (one line, its reason in it, no stack).
        long failed = lines.stream().filter(l -> l.contains("evaluation round failed") || l.contains("evaluation round not stored")).count();
        if (failed == 0) return;
        String cause = lines.stream().filter(l -> l.startsWith("! ") && !l.startsWith("! at ") || l.contains("evaluation round not stored"))
                .findFirst().orElse("?");
        String hint = cause.contains("EvaluatorHelper.initOperators")
                ? " — Drools 10.2.0's constraint JIT on an operator such as str[startsWith], which RuleCompiler "
                + "should have detected (ConstraintJittingTest)"
                : "";
        failures.add(String.format("%s: the service logged %,d failed evaluation rounds, first cause %s%s", when, failed,
                cause.substring(2), hint));
        say("  SERVICE FAILING %s: %,d failed evaluation rounds (%s)%s", when, failed, cause.substring(2), hint);
        serviceLogChecked = true;
    }

    /** Every segment of {@code duck} against Cohort's members; Cohort's segments without SQL are reported once, after ingest. */
    private void check(String when, Map<String, Set<String>> cohort, Map<String, Set<String>> duck) {
        List<String> same = new ArrayList<>();
        for (var e : duck.entrySet()) {
            String seg = e.getKey();
            Set<String> c = cohort.getOrDefault(seg, Set.of());
            if (compare(when + ", " + seg, c, e.getValue())) same.add(String.format("%s %,d", seg, c.size()));
        }
        if (same.size() == duck.size()) say("  audiences %s: identical in Cohort and DuckDB (%s)", when, String.join(", ", same));
    }

    private void checkMarketo(String when, FakeMarketo marketo, Set<String> expected) {
        Set<String> list = new TreeSet<>();
        for (long lead : marketo.members(MARKETO_LIST)) list.add(String.valueOf(UnifiedEmail.of(marketo.leadEmail(lead))));
        if (compare(when, list, expected)) say("  %s: the audience without opted-out people (%,d leads)", when, list.size());
    }

    /** True when equal; otherwise records a failure naming a few emails on either side. */
    private boolean compare(String when, Set<String> cohort, Set<String> duck) {
        Set<String> onlyCohort = new TreeSet<>(cohort);
        onlyCohort.removeAll(duck);
        Set<String> onlyDuck = new TreeSet<>(duck);
        onlyDuck.removeAll(cohort);
        if (onlyCohort.isEmpty() && onlyDuck.isEmpty()) return true;
        String f = String.format("%s: Cohort %,d vs expected (DuckDB) %,d; only in Cohort %s; only in DuckDB %s", when, cohort.size(),
                duck.size(), first(onlyCohort), first(onlyDuck));
        failures.add(f);
        say("  AUDIENCE MISMATCH %s", f);
        return false;
    }

    /** ColdStart's "segment TAB email" lines. */
    private static Map<String, Set<String>> readMembers(Path file) throws IOException {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            Set<String> s = out.computeIfAbsent(line.substring(0, tab), k -> new TreeSet<>());
            if (tab < line.length() - 1) s.add(line.substring(tab + 1));
        }
        return out;
    }

    /** Until the activation has nothing pending (and the evaluator is idle), or fails the run on a failed activation. */
    private void awaitDelivered(BenchApp app, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int quiet = 0;
        while (quiet < 3) {
            app.settle(timeout);
            var st = app.services().destinations().status().stream().flatMap(d -> d.activations().stream())
                    .filter(a -> a.id().equals(ACTIVATION)).findFirst().orElseThrow();
            if (st.failed()) {
                failures.add("activation " + ACTIVATION + " failed: " + st.lastError());
                return;
            }
            quiet = st.pending() == 0 ? quiet + 1 : 0;
            if (System.nanoTime() > deadline) {
                failures.add("activation " + ACTIVATION + ": " + st.pending() + " changes still pending after " + timeout);
                return;
            }
            Thread.sleep(20);
        }
    }

    private static String first(Set<String> s) {
        return s.size() + " " + s.stream().limit(5).toList();
    }

    static String ms(long nanos) {
        return nanos < 10_000_000_000L ? String.format("%,.1f ms", nanos / 1e6) : String.format("%,.1f s", nanos / 1e9);
    }

    static String mb(long bytes) { return String.format("%,.1f MB", bytes / 1048576.0); }

    static String ratio(long a, long b) {
        return a <= 0 || b <= 0 || b == Long.MAX_VALUE ? "?" : String.format("%.2f (%s vs %s)", a / (double) b, ms(a), ms(b));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** Emails as the segment query returns them: trimmed, lower-cased. */
    static final class UnifiedEmail {
        static String of(String email) { return io.cohort.identity.UnifiedIds.normalizeEmail(email); }
    }
}
