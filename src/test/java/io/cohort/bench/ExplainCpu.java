package io.cohort.bench;

import io.cohort.analyst.Workbench;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.sandbox.DrlSandbox;
import io.cohort.identity.ProfileGraph;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.*;

/**
 * By hand: the CPU time of explanations ({@link Workbench#explain}, what GET /v1/segments/{id}/explain
 * runs) with the shipped segments and 50 generated ones, the segments taken in turn for people of a
 * generated world, and of the sandbox's check of the whole rule set alone for comparison (an
 * explanation used to run it once for "why not", and once more per segment for its partial KieBase).
 * Thread CPU time, so other work on the machine does not count. Args: explanations per pass (200),
 * passes (4), companies (200), firings an evaluation may make (10,000,000): a few hundred makes the
 * evaluation of every segment together spend it, and each segment be evaluated on its own.
 */
public final class ExplainCpu {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int companies = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        ProfileGraph graph = GeneratedSegments.world(companies, NOW);
        Map<String, String> files = GeneratedSegments.withShipped(50);
        var compiled = new RuleCompiler(Clock.systemUTC()).compile(files);
        RuleBook book = compiled.ruleBook().orElseThrow(() -> new IllegalStateException(compiled.messages().toString()));
        int firings = args.length > 3 ? Integer.parseInt(args[3]) : io.cohort.engine.Budget.DEFAULT.maxFirings();
        Workbench bench = new Workbench(graph, null, () -> book, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(90),
                Duration.ofSeconds(30), new io.cohort.engine.Budget(firings, io.cohort.engine.Budget.DEFAULT.maxDerived(), 0, 1L << 30,
                firings, io.cohort.engine.Budget.DEFAULT.maxDerived(), 1L << 30));
        List<String> segments = List.copyOf(new TreeSet<>(book.segments().keySet()));
        List<String> people = graph.personIds();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf("%d segments, %d rule files, %,d people; %d explanations per pass%n", segments.size(), files.size(),
                people.size(), n);
        for (int pass = 1; pass <= passes; pass++) {
            int qualified = 0, whyNot = 0, issues = 0, undecided = 0;
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String person = people.get((int) ((i * 7919L) % people.size()));
                Workbench.Explanation x = bench.explain(segments.get(i % segments.size()), person).orElseThrow();
                if (x.qualified()) qualified++;
                if (!x.whyNot().isEmpty()) whyNot++;
                if (!x.runtimeIssues().isEmpty()) issues++;
                if (!x.undecidedOtherSegments().isEmpty()) undecided++;
            }
            long cpuMs = (threads.getCurrentThreadCpuTime() - cpu) / 1_000_000;
            System.out.printf("pass %d: %d explanations: CPU %,d ms (%.1f ms each), wall %,d ms; %d qualified, %d with whyNot, "
                    + "%d with issues, %d with undecided other segments%n", pass, n, cpuMs, cpuMs / (double) n,
                    (System.nanoTime() - wall) / 1_000_000, qualified, whyNot, issues, undecided);
        }
        long cpu = threads.getCurrentThreadCpuTime();
        int checks = Math.max(1, n / 4);
        for (int i = 0; i < checks; i++) new DrlSandbox().check(book.sources());
        System.out.printf("for comparison, the sandbox's check of the whole rule set: %.1f ms CPU each (%d checks)%n",
                (threads.getCurrentThreadCpuTime() - cpu) / 1e6 / checks, checks);
    }
}
