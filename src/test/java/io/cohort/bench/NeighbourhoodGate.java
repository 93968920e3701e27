package io.cohort.bench;

import io.cohort.engine.EvaluationProbe;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The engine's gate (issue 13): the cost of evaluating one person with their neighbourhood, the
 * unit of work every change pays, over the benchmark's data set with one giant component
 * (cross=0.25). Go if p50 ≤ 150 µs and p99 ≤ 1 ms. Compared: a new session per evaluation
 * against reset sessions from a pool, and the shipped segments against 50 more generated ones.
 * Run with bench/jmh.sh after bench/run.sh has left a graph snapshot of the data set
 * ({@code -p snapshot=data/bench/run-1000000/graph.snapshot} for the 1M set).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 3, time = 20)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-XX:+UseG1GC"})
public class NeighbourhoodGate {
    @Param({"data/bench/run-100000/graph.snapshot"}) public String snapshot;
    @Param({"0", "50"}) public int generated;
    @Param({"fresh", "pooled"}) public String session;

    private EvaluationProbe probe;
    private List<String> people;
    private final Random random = new Random(42);

    @Setup(Level.Trial)
    public void load() throws Exception {
        Path file = Path.of(snapshot);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: run bench/run.sh 100000 cross=0.25 first (it leaves the snapshot)");
        }
        ProfileGraph graph = new ProfileGraph();
        GraphSnapshot.read(file, GraphSnapshot.stamp(file).orElseThrow(() -> new IllegalStateException(file
                + " was written by another build (other record declarations): start this build's service on its store once "
                + "(bench/run.sh, or ColdStart) so that its stop writes the snapshot again")), graph, 0);
        people = graph.personIds();
        Path rules = Files.createTempDirectory("gate-rules");
        try (var s = Files.list(Path.of("rules"))) {
            for (Path p : s.toList()) Files.copy(p, rules.resolve(p.getFileName()));
        }
        for (GeneratedSegments.Generated g : GeneratedSegments.of(generated)) Files.writeString(rules.resolve(g.file()), g.drl());
        ManualClock clock = new ManualClock(Bench.NOW);
        RuleBook book = new RuleService(rules, new RuleCompiler(clock), clock).initial();
        probe = new EvaluationProbe(graph, book, Bench.NOW, session.equals("pooled"));
        int[] sizes = new int[2_000];
        for (int i = 0; i < sizes.length; i++) sizes[i] = probe.facts(people.get(random.nextInt(people.size())));
        java.util.Arrays.sort(sizes);
        System.out.printf("%n%,d people, %d segments; facts per neighbourhood (2,000 people at random) p50 %d, p90 %d, "
                + "p99 %d, max %d%n", people.size(), book.segments().size(), sizes[1_000], sizes[1_800], sizes[1_980], sizes[1_999]);
    }

    /** One person, chosen at random, evaluated for every segment. */
    @Benchmark
    public int onePerson() {
        return probe.evaluate(List.of(people.get(random.nextInt(people.size()))));
    }
}
