package io.cohort.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.sandbox.Deadline;
import io.cohort.engine.sandbox.DrlSandbox;
import io.cohort.identity.FactTypes;
import io.cohort.identity.Neighbourhood;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Now;
import io.cohort.reliability.CompanyWorld;
import io.cohort.reliability.RandomRecords;
import java.nio.file.Path;
import java.time.Instant;
import java.util.*;
import org.drools.drl.ast.descr.*;
import org.kie.api.KieBase;

/**
 * By hand, never in the build: what the sandbox's {@link Deadline} call in every join costs normal
 * evaluation. The shipped rules, compiled once with the call (as the service runs them) and once
 * with it taken out of the checked descriptors, evaluate everyone of a generated world in batches
 * of 100 people with their neighbourhoods (as Evaluation does), ten times a run, alternately, several runs; prints
 * the time of each and the difference of the medians.
 *
 * <pre>java -cp … io.cohort.engine.DeadlineCost [companies] [runs]</pre>
 *
 * <p>Measured (3,000 companies: 13,320 people, 134 batches, 78,936 facts; 33 calls in the shipped
 * rules; 2 shared cores at load average 4–10): medians with 2,346 ms vs without 2,595 ms (9 runs),
 * then 2,232 vs 2,577 ms (7 runs). No cost shows above the noise (runs spread ±30%), so the clock is
 * read every 1,024 calls and every join carries the call.
 */
public final class DeadlineCost {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    /** Each run evaluates everyone this many times: one pass takes ~0.1 s, too short to tell from noise. */
    private static final int REPEAT = 10;

    private DeadlineCost() {}

    public static void main(String[] args) throws Exception {
        int companies = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        ProfileGraph graph = new ProfileGraph();
        RecordParser parser = new RecordParser(new IngestLimits());
        long seq = 0;
        for (RandomRecords.Batch b : new CompanyWorld(42, NOW, companies, 0.05).arrival(false)) {
            graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), ++seq);
        }
        ManualClock clock = new ManualClock(NOW);
        RuleBook book = new RuleService(Path.of("rules"), new RuleCompiler(clock), clock).initial();
        DrlSandbox.Result checked = new DrlSandbox().check(book.sources());
        KieBase with = RuleCompiler.build(checked.files(), null, true).kieBase();
        DrlSandbox.Result stripped = new DrlSandbox().check(book.sources());
        int removed = 0;
        for (PackageDescr p : stripped.files().values()) for (RuleDescr r : p.getRules()) removed += strip(r.getLhs());
        KieBase without = RuleCompiler.build(stripped.files(), null, true).kieBase();
        List<String> people = graph.personIds();
        List<List<io.cohort.model.Fact>> batches = new ArrayList<>();
        for (int i = 0; i < people.size(); i += 100) {
            Neighbourhood n = graph.neighbourhood(people.subList(i, Math.min(people.size(), i + 100)), book.shape().depth(),
                    NOW.minus(java.time.Duration.ofDays(90)), FactTypes.ALL);
            batches.add(n.facts());
        }
        System.out.printf("%,d people in %,d batches, %,d facts; %d Deadline calls in the shipped rules%n", people.size(),
                batches.size(), batches.stream().mapToInt(List::size).sum(), removed);
        for (int warm = 0; warm < 5; warm++) {
            run(with, book, batches);
            run(without, book, batches);
        }
        List<Long> a = new ArrayList<>();
        List<Long> b = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            boolean withFirst = i % 2 == 0;
            long x = withFirst ? run(with, book, batches) : 0;
            long y = run(without, book, batches);
            if (!withFirst) x = run(with, book, batches);
            a.add(x);
            b.add(y);
            System.out.printf("run %d: with Deadline %,d ms, without %,d ms%n", i + 1, x / 1_000_000, y / 1_000_000);
        }
        Collections.sort(a);
        Collections.sort(b);
        long ma = a.get(a.size() / 2);
        long mb = b.get(b.size() / 2);
        System.out.printf("median: with %,d ms, without %,d ms: %+.1f%%%n", ma / 1_000_000, mb / 1_000_000, 100.0 * (ma - mb) / mb);
    }

    private static long run(KieBase kieBase, RuleBook book, List<List<io.cohort.model.Fact>> batches) {
        System.gc();
        long t0 = System.nanoTime();
        int qualified = 0;
        for (int rep = 0; rep < REPEAT; rep++) for (List<io.cohort.model.Fact> facts : batches) {
            OneShot.Result r = OneShot.run(kieBase, book, facts, new Now(NOW), false, Budget.DEFAULT);
            if (!r.ok()) throw new IllegalStateException(r.failure().toString());
            qualified += r.qualified().size();
        }
        if (qualified == 0) throw new IllegalStateException("nobody qualified: the world does not exercise the rules");
        return System.nanoTime() - t0;
    }

    /** Takes the sandbox's Deadline calls out of a checked condition; how many. */
    private static int strip(BaseDescr d) {
        int n = 0;
        if (d instanceof PatternDescr p) {
            for (BaseDescr c : new ArrayList<>(p.getDescrs())) {
                if (c instanceof ExprConstraintDescr e && Deadline.isCall(e.getExpression())) {
                    p.removeConstraint(c);
                    n++;
                }
            }
            if (p.getSource() instanceof AccumulateDescr a && a.getInput() != null) n += strip(a.getInput());
            if (p.getSource() instanceof CollectDescr c && c.getInputPattern() != null) n += strip(c.getInputPattern());
        } else if (d instanceof ConditionalElementDescr ce) {
            for (Object o : ce.getDescrs()) n += strip((BaseDescr) o);
        }
        return n;
    }
}
