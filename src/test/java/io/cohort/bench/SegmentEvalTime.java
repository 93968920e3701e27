package io.cohort.bench;

import io.cohort.engine.Budget;
import io.cohort.engine.FullEvaluation;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The engine's part of a rule edit, without a database or a service around it: everyone of a
 * graph snapshot (written by {@link SnapshotReadTime}) evaluated for some segments on a pool of
 * threads, as the evaluator does after an edit, several times; prints wall, CPU and GC per run.
 *
 * <pre>java -Xmx10g -cp … io.cohort.bench.SegmentEvalTime &lt;snapshot&gt; &lt;segment,…|all&gt; [runs] [threads]</pre>
 */
public final class SegmentEvalTime {
    private SegmentEvalTime() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        ProfileGraph graph = new ProfileGraph();
        GraphSnapshot.read(file, GraphSnapshot.stamp(file).orElseThrow(), graph, 0);
        ManualClock clock = new ManualClock(Bench.NOW);
        RuleBook book = new RuleService(Path.of("rules"), new RuleCompiler(clock), clock).initial();
        Set<String> segments = args[1].equals("all") ? book.segments().keySet() : Set.of(args[1].split(","));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int i = 0; i < runs; i++) {
                System.gc();
                long gc0 = SnapshotReadTime.gcMillis();
                long cpu0 = HeapProbe.cpuNanos();
                long t0 = System.nanoTime();
                FullEvaluation.Outcome o = FullEvaluation.run(graph, book, segments, Bench.NOW, Duration.ofDays(90), Budget.DEFAULT,
                        pool, () -> false);
                long wall = (System.nanoTime() - t0) / 1_000_000;
                int members = o.members().values().stream().mapToInt(Set::size).sum();
                System.out.printf("run %d: %,d people for %s in %,d ms wall, %,d ms CPU, %,d ms GC; %,d memberships%n", i + 1,
                        graph.personCount(), segments, wall, (HeapProbe.cpuNanos() - cpu0) / 1_000_000,
                        SnapshotReadTime.gcMillis() - gc0, members);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
