package io.cohort.bench;

import java.nio.file.Path;

/**
 * By hand, on a store a bench run left: the read APIs alone, as {@link Bench} phase (7) runs them
 * (profile by email, an account, an explanation, pages of 1,000 members), in a fresh JVM after a
 * start, so that a change on a read path is measured without a whole 1M run. Args: the run
 * directory (e.g. data/bench/run-1000000), a log file, [seed=42]. Classpath as ColdStart's
 * (docs/benchmarks.md).
 */
public final class ReadTime {
    private ReadTime() {}

    public static void main(String[] a) throws Exception {
        BenchApp app = new BenchApp(Path.of(a[0]), Path.of(a[1]));
        long t = System.nanoTime();
        app.startNoWait();
        app.awaitReady();
        System.out.printf("ready %d ms%n", (System.nanoTime() - t) / 1_000_000);
        try {
            new Bench().readApis(app, a.length > 2 ? Long.parseLong(a[2]) : 42);
        } finally {
            app.stop();
        }
    }
}
