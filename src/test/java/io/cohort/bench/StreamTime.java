package io.cohort.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * By hand, on a store a bench run left: the streaming phase alone, as {@link Bench} phase (3) runs
 * it (same generator, same triggers into high-value-new-product), in a fresh JVM, so that a change
 * to the streaming path is measured in minutes instead of a whole 1M run. A warm-up stream (not
 * counted) first, then the measured one; prints the ack and ack → membership latencies with the
 * collectors' pause count and time during the measured stream.
 *
 * <p>Args: run directory (data/bench/run-1000000), service log, data directory of the generator
 * (data/bench/data), profiles, cross, [seconds=60] [rate=5000] [warmup=20] [seed=42] (the generator's seed the
 * store was loaded with: its data directory is reused, and the background updates restate its records). The trigger
 * candidates (people one page view takes into the segment) come from DuckDB over the generator's
 * files, once; they are kept in the run directory. Classpath as ColdStart's (docs/benchmarks.md).
 */
public final class StreamTime {
    private StreamTime() {}

    public static void main(String[] a) throws Exception {
        Path run = Path.of(a[0]);
        Path log = Path.of(a[1]);
        Path data = Path.of(a[2]);
        int profiles = Integer.parseInt(a[3]);
        double cross = Double.parseDouble(a[4]);
        int seconds = a.length > 5 ? Integer.parseInt(a[5]) : 60;
        int rate = a.length > 6 ? Integer.parseInt(a[6]) : 5000;
        int warmup = a.length > 7 ? Integer.parseInt(a[7]) : 20;
        long seed = a.length > 8 ? Long.parseLong(a[8]) : 42;
        var manifest = DataGenerator.writeOrReuse(data, seed, profiles, Bench.NOW, 1000, cross);
        List<DuckDbBaseline.Candidate> candidates = candidates(run.resolve("stream-candidates.tsv"), manifest.dir());

        BenchApp app = new BenchApp(run, log);
        long t = System.nanoTime();
        app.startNoWait();
        app.awaitReady();
        System.out.printf("ready %d ms; %,d candidates%n", (System.nanoTime() - t) / 1_000_000, candidates.size());
        app.task("clock?set=" + Bench.NOW);
        // A trigger of an earlier stream may have left its person in the segment (its exit never sent).
        Set<String> members = app.allMembers().getOrDefault(Bench.SEGMENT, Set.of());
        List<DuckDbBaseline.Candidate> free = new ArrayList<>();
        for (var c : candidates) if (!members.contains(c.email().toLowerCase(java.util.Locale.ROOT))) free.add(c);
        // The bench's seed: background updates then restate the stored records (a different seed rewrites people).
        var gen = new DataGenerator(seed, Bench.NOW);
        // Event ids of this run's own: a trigger id of an earlier stream would move that event to a new person.
        String run0 = "st" + Long.toString(System.currentTimeMillis(), 36);
        // Disjoint triggers: a warm-up trigger whose exit was not sent leaves its person a member.
        List<DuckDbBaseline.Candidate> warm = free.subList(0, free.size() / 2);
        free = free.subList(free.size() / 2, free.size());
        if (warmup > 0) {
            var w = new StreamLoad(app, gen, manifest.companies(), warm, Bench.SEGMENT, null, 0).idPrefix(run0 + "w").run(rate, warmup, 4, 0.2);
            System.out.printf("warm-up %d s: ack → membership %s%n", warmup, w.membership());
            app.settle(java.time.Duration.ofMinutes(5));
        }
        long[] gc0 = gc();
        long cpu = HeapProbe.cpuNanos();
        var s = new StreamLoad(app, gen, manifest.companies(), free, Bench.SEGMENT, null, 0).idPrefix(run0 + "m").run(rate, seconds, 4, 0.2);
        cpu = HeapProbe.cpuNanos() - cpu;
        long[] gc1 = gc();
        System.out.printf("streamed %d s at %,d rec/s offered: achieved %,.0f rec/s (%,d records, %d batches queued at the end)%n",
                seconds, rate, s.achieved(), s.records(), s.backlog());
        System.out.println("  batch due → ack                " + s.ack());
        System.out.println("  ack → evaluated                " + s.evaluated());
        System.out.println("  ack → membership change        " + s.membership());
        System.out.println("    acked in the first 20 s      " + s.membershipFirst());
        System.out.println("    acked in the last 20 s       " + s.membershipLast());
        System.out.printf("  triggers / missed / unexpected %d / %d / %d%n", s.triggers(), s.missed(), s.unexpected());
        System.out.printf("  CPU per 1,000 records          %,.0f ms%n", cpu / 1e6 / (s.records() / 1000.0));
        System.out.printf("  collections during the stream  %d, %,d ms in all%n", gc1[0] - gc0[0], gc1[1] - gc0[1]);
        app.stop();
        System.exit(0);
    }

    /** Collections so far and their time (ms), all collectors. */
    private static long[] gc() {
        long n = 0;
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[] {n, ms};
    }

    private static List<DuckDbBaseline.Candidate> candidates(Path file, Path data) throws Exception {
        List<DuckDbBaseline.Candidate> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = l.split("\t");
                out.add(new DuckDbBaseline.Candidate(f[0], f[1], f[2]));
            }
            return out;
        }
        try (DuckDbBaseline duck = new DuckDbBaseline(2, "5GB")) {
            duck.load(data);
            out.addAll(duck.wouldEnter(Bench.NOW, 1e6, 5000));
        }
        List<String> lines = new ArrayList<>();
        for (var c : out) lines.add(c.email() + "\t" + c.leadSource() + "\t" + c.leadId());
        Files.write(file, lines, StandardCharsets.UTF_8);
        return out;
    }
}
