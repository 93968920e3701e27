package io.cohort.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * By hand, on a store a bench run left (a 1M run's phase (4) needs the hour-long ingest): starts the
 * service on it, edits high-value-new-product's threshold $1M → $2M and back as {@link Bench} phase
 * (4) does, and prints each edit's time to the new audience and the peak heap against the steady
 * heap, sampled (garbage included) and right after collections (near the live set). Args: the run directory (e.g. data/bench/run-1000000), a log file, and optionally
 * {@code pairs=<n>} (the two edits made n times, for warm figures to compare) and {@code live=<ms>}: a full collection every so often during each edit, for the live set's peak
 * (the old garbage that collections after a young one still count is left out; the edit's time
 * is then not a measurement). Classpath as ColdStart's (docs/benchmarks.md).
 */
public class RuleEditTime {
    public static void main(String[] a) throws Exception {
        BenchApp app = new BenchApp(Path.of(a[0]), Path.of(a[1]));
        long livePeriod = 0;
        int pairs = 1;
        for (int i = 2; i < a.length; i++) {
            if (a[i].startsWith("live=")) livePeriod = Long.parseLong(a[i].substring(5));
            else if (a[i].startsWith("pairs=")) pairs = Integer.parseInt(a[i].substring(6));
            else throw new IllegalArgumentException("unknown argument " + a[i] + " (live=<ms>, pairs=<n>)");
        }
        long t = System.nanoTime();
        app.startNoWait();
        app.awaitReady();
        System.out.printf("ready %d ms%n", (System.nanoTime() - t) / 1_000_000);
        long steady = HeapProbe.usedAfterGc();
        System.out.printf("steady heap after GC %d MB%n", steady >> 20);
        // The start's consistency check runs right after ready, and the full collections above stop
        // it for seconds (8–11 s at 1M against 1.7 s without them): the first edit must not queue
        // behind a check this tool slowed down.
        long t0 = System.nanoTime();
        app.settle(java.time.Duration.ofMinutes(5));
        System.out.printf("engine idle after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        Path file = app.rules.resolve(Bench.SEGMENT + ".drl");
        String good = Files.readString(file);
        try {
            String[][] pair = {{"$total > 1000000", "$total > 2000000"}, {"$total > 2000000", "$total > 1000000"}};
            String[][] steps = new String[2 * pairs][];
            for (int i = 0; i < steps.length; i++) steps[i] = pair[i % 2];
            for (String[] step : steps) {
                Files.writeString(file, Files.readString(file).replace(step[0], step[1]));
                try (var sampler = new HeapProbe.PeakSampler(); var afterGc = new HeapProbe.AfterGcPeak();
                     var fullGcs = livePeriod > 0 ? new HeapProbe.LivePeak(livePeriod) : null) {
                    t = System.nanoTime();
                    long cpu = HeapProbe.cpuNanos();
                    String res = app.task("reload-rules");
                    long ms = (System.nanoTime() - t) / 1_000_000;
                    long cpuMs = (HeapProbe.cpuNanos() - cpu) / 1_000_000;
                    long peak = sampler.peak();
                    long live = afterGc.peak();
                    if (fullGcs != null) {
                        System.out.printf("  live set peak (%d full collections during the edit) %d MB (%.0f%% above steady)%n",
                                fullGcs.samples(), fullGcs.peak() >> 20, 100.0 * (fullGcs.peak() - steady) / steady);
                    }
                    System.out.printf("rule edit %s → %s: %d ms (%s), CPU %d ms (%.2f cores), peak heap sampled %d MB (%.0f%% above steady), "
                                    + "largest heap after a collection %d MB (%.0f%% above steady)%n", step[0], step[1], ms,
                            res.trim(), cpuMs, cpuMs / (double) Math.max(1, ms), peak >> 20, 100.0 * (peak - steady) / steady,
                            live >> 20, 100.0 * (live - steady) / steady);
                }
            }
        } finally {
            Files.writeString(file, good);
            app.stop();
        }
        System.exit(0);
    }
}
