package io.cohort.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * By hand, on a store a bench run left: one restart, as an operator's is (the service on the store
 * and its rules directory, nothing edited), then a clean stop, so that the store is as it was for
 * the next one. Prints the time to ready, the service log's own start-up figures, the CPU the
 * process used and the heap after a collection. Args: the run directory (e.g.
 * data/bench/run-1000000) and a log file; JVM options as an operator's (e.g. -Xmx8g, -Xms8g) and
 * -Dbench.db=postgres for a PostgreSQL store. Classpath as ColdStart's (docs/benchmarks.md).
 */
public final class RestartTime {
    private static final Pattern FIGURES = Pattern.compile("start-up: (profile graph read from snapshot.*|graph snapshot .*|loaded \\d+ records in.*|\\d+ stored memberships read.*|ready in .*)");

    private RestartTime() {}

    public static void main(String[] a) throws Exception {
        Path log = Path.of(a[1]);
        long lines = Files.exists(log) ? Files.readAllLines(log).size() : 0;
        BenchApp app = new BenchApp(Path.of(a[0]), log);
        long cpu = HeapProbe.cpuNanos();
        long t = System.nanoTime();
        app.startNoWait();
        long ports = System.nanoTime() - t;
        app.awaitReady();
        System.out.printf("ports %,d ms, ready %,d ms, CPU to ready %,d ms%n", ports / 1_000_000, (System.nanoTime() - t) / 1_000_000,
                (HeapProbe.cpuNanos() - cpu) / 1_000_000);
        System.out.printf("heap after GC, ready %,d MB%n", HeapProbe.usedAfterGc() >> 20);
        // This start's lines only (the log holds every run's).
        Files.readAllLines(log).stream().skip(lines).forEach(l -> {
            Matcher m = FIGURES.matcher(l);
            if (m.find()) System.out.println("service log: " + m.group(1));
        });
        app.stop();
        System.exit(0);
    }
}
