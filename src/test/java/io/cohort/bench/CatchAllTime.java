package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.FreshEvaluation;
import io.cohort.reliability.MemorySink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one account of N people costs rules that look two steps (a colleague active in the last 30
 * days), beside the shipped rules: a full evaluation, then one person's first event (everyone else
 * gains an active colleague) and a second person's event (nobody changes, everyone is evaluated
 * again when the account is looked through). docs/benchmarks.md, Round 30.
 *
 * <pre>java -cp … io.cohort.bench.CatchAllTime [sizes, default 400,1000,4000,16000] [engine.stepTwoLimit, default 500]</pre>
 */
public final class CatchAllTime {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private CatchAllTime() {}

    public static void main(String[] args) throws Exception {
        int[] sizes = java.util.Arrays.stream((args.length > 0 ? args[0] : "400,1000,4000,16000").split(",")).mapToInt(Integer::parseInt).toArray();
        int limit = args.length > 1 ? Integer.parseInt(args[1]) : ProfileGraph.DEFAULT_STEP_TWO_LIMIT;
        Path rules = Files.createTempDirectory("catch-all-rules");
        io.cohort.it.CohortApp.copyRules(Path.of("rules"), rules);
        Files.writeString(rules.resolve("committee.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                rule "committee: a colleague active in the last 30 days"
                    @segment("committee")
                when
                    $now : Now()
                    $p : Person()
                    AccountPerson(personId == $p.id, $a : accountId)
                    AccountPerson(accountId == $a, $q : personId, personId != $p.id)
                    Activity(personId == $q, count($now.daysAgo(30)) >= 1)
                then
                    insertLogical(new Qualified("committee", $p.id()));
                end
                """);
        RuleBook book = FreshEvaluation.compile(rules, new ManualClock(NOW));
        System.out.println("depth " + book.shape().depth());
        RecordParser parser = new RecordParser(new IngestLimits());
        for (int n : sizes) {
            ProfileGraph graph = new ProfileGraph(limit);
            List<JsonNode> recs = new ArrayList<>();
            recs.add(JSON.readTree("{\"type\":\"account\",\"id\":\"U\",\"name\":\"Unknown\"}"));
            long seq = 0;
            for (int i = 0; i < n; i++) {
                recs.add(JSON.readTree("{\"type\":\"person\",\"id\":\"P" + i + "\",\"email\":\"p" + i + "@x.com\"}"));
                recs.add(JSON.readTree("{\"type\":\"accountPerson\",\"accountId\":\"U\",\"personId\":\"P" + i + "\"}"));
                if (recs.size() >= 900) { graph.apply("crm-1", parser.parse(recs), ++seq); recs.clear(); }
            }
            graph.apply("crm-1", parser.parse(recs), ++seq);
            MemorySink sink = new MemorySink();
            ManualClock clock = new ManualClock(NOW);
            Evaluator ev = new Evaluator(graph, sink, clock, io.dropwizard.jackson.Jackson.newObjectMapper().convertValue(java.util.Map.of("workers", 2, "manualClock", true,
                    "consistencyCheck", "0s", "sessionPool", true, "chunkSize", Integer.getInteger("chunk", 500)), io.cohort.engine.EngineConfig.class));
            long t0 = System.nanoTime();
            ev.start(book, seq);
            long start = (System.nanoTime() - t0) / 1_000_000;
            // One person's first event: everyone else of the account now has an active colleague.
            String ev1 = "[{\"type\":\"event\",\"id\":\"E1\",\"personId\":\"P0\",\"eventType\":\"v\",\"timestamp\":\"2026-11-24T00:00:00Z\"}]";
            List<JsonNode> nodes = new ArrayList<>();
            JSON.readTree(ev1).forEach(nodes::add);
            t0 = System.nanoTime();
            ev.submit(graph.apply("crm-1", parser.parse(nodes), ++seq), seq);
            ev.awaitIdle(Duration.ofMinutes(10));
            long first = (System.nanoTime() - t0) / 1_000_000;
            long members = sink.members().stream().filter(q -> q.segmentId().equals("committee")).count();
            // A second person's event: nobody's membership changes, everyone is evaluated again.
            nodes.clear();
            JSON.readTree(ev1.replace("E1", "E2").replace("\"P0\"", "\"P1\"")).forEach(nodes::add);
            t0 = System.nanoTime();
            ev.submit(graph.apply("crm-1", parser.parse(nodes), ++seq), seq);
            ev.awaitIdle(Duration.ofMinutes(10));
            long second = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("N=%,d, step-2 limit %,d: start %d ms; first event %d ms (%d members); second event %d ms%n", n, limit, start, first, members, second);
            ev.stop();
        }
    }
}
