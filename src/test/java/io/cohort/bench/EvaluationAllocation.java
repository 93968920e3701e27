package io.cohort.bench;

import io.cohort.engine.Budget;
import io.cohort.engine.OneShot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.identity.FactTypes;
import io.cohort.identity.Neighbourhood;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Now;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.*;

/**
 * By hand: how many bytes one legitimate evaluation (a chunk of people with their neighbourhoods)
 * allocates, with the shipped segments and 50 generated ones, to set the default of
 * {@code engine.maxEvaluationMemory} far above it. Args: companies (1,000), chunk size (500).
 */
public final class EvaluationAllocation {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    public static void main(String[] args) throws Exception {
        int companies = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int chunk = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        ProfileGraph graph = GeneratedSegments.world(companies, NOW);
        Map<String, String> files = GeneratedSegments.withShipped(50);
        var compiled = new RuleCompiler(Clock.systemUTC()).compile(files);
        RuleBook book = compiled.ruleBook().orElseThrow(() -> new IllegalStateException(compiled.messages().toString()));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<String> people = graph.personIds();
        for (int pass = 0; pass < 3; pass++) {
            List<Double> perChunk = new ArrayList<>();
            double worstPerFact = 0;
            long facts = 0;
            for (int i = 0; i < people.size(); i += chunk) {
                Neighbourhood n = graph.neighbourhood(people.subList(i, Math.min(people.size(), i + chunk)), book.shape().depth(),
                        NOW.minus(java.time.Duration.ofDays(90)), FactTypes.ALL);
                long before = threads.getCurrentThreadAllocatedBytes();
                OneShot.Result r = OneShot.run(book.kieBase(), book, n.facts(), new Now(NOW), false, Budget.DEFAULT);
                long bytes = threads.getCurrentThreadAllocatedBytes() - before;
                if (!r.ok()) throw new IllegalStateException(r.failure().toString());
                perChunk.add(bytes / 1e6);
                worstPerFact = Math.max(worstPerFact, (double) bytes / n.facts().size());
                facts += n.facts().size();
            }
            Collections.sort(perChunk);
            System.out.printf("pass %d: %,d people, %,d facts, %d chunks of %d, %d segments: MB per evaluation p50 %.1f, p99 %.1f, max %.1f; worst %.0f B per fact%n",
                    pass + 1, people.size(), facts, perChunk.size(), chunk, book.segments().size(), perChunk.get(perChunk.size() / 2),
                    perChunk.get((int) (perChunk.size() * 0.99)), perChunk.get(perChunk.size() - 1), worstPerFact);
        }
    }
}
