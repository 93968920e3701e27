package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.CompanyWorld;
import io.cohort.reliability.RandomRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The full evaluation's order of everyone ({@link ProfileGraph#personIds()}) is kept between calls
 * and mended ({@link PersonOrder}): whatever came and went, it must hold every person exactly once.
 */
class PersonOrderTest {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    private final RecordParser parser = new RecordParser(new IngestLimits());
    private final ObjectMapper json = new ObjectMapper();

    /** A snapshot's order is taken only when it holds exactly the people read, each once. */
    @Test
    void aRestoredOrderMustHoldEveryoneExactlyOnce() {
        PersonIndex people = new PersonIndex(4);
        for (long k : new long[] {1, 2, 3}) people.add(k, new io.cohort.record.SourceRef("crm-1", "p" + k));
        assertThat(people.restoreOrder(new long[] {1, 2})).as("someone missing").isFalse();
        assertThat(people.restoreOrder(new long[] {1, 2, 2})).as("someone twice").isFalse();
        assertThat(people.restoreOrder(new long[] {1, 2, 4})).as("someone unknown").isFalse();
        assertThat(people.restoreOrder(new long[] {1, 2, 3, 4})).as("one too many").isFalse();
        assertThat(people.orderKeys(() -> new long[] {2, 1, 3})).as("nothing taken: worked out").containsExactly(2, 1, 3);
        assertThat(people.ordersWorkedOut()).isOne();

        PersonIndex again = new PersonIndex(4);
        for (long k : new long[] {1, 2, 3}) again.add(k, new io.cohort.record.SourceRef("crm-1", "p" + k));
        assertThat(again.restoreOrder(new long[] {3, 1, 2})).isTrue();
        assertThat(again.orderKeys(() -> { throw new AssertionError("worked out again"); })).containsExactly(3, 1, 2);
        again.add(7, new io.cohort.record.SourceRef("crm-1", "p7"));
        again.remove(1, new io.cohort.record.SourceRef("crm-1", "p1"));
        assertThat(again.orderKeys(() -> { throw new AssertionError("worked out again"); })).containsExactly(3, 2, 7);
        assertThat(again.ordersWorkedOut()).isZero();
    }

    @Test
    void everyoneExactlyOnceWhateverCameAndWentBetweenCalls() {
        for (long seed = 1; seed <= 4; seed++) {
            CompanyWorld world = new CompanyWorld(seed, NOW, 12, 0.3);
            List<RandomRecords.Batch> batches = new ArrayList<>(world.arrival(true));
            batches.addAll(world.mutations(600));
            ProfileGraph graph = new ProfileGraph();
            Random random = new Random(seed);
            Set<String> before = Set.of();
            int calls = 0;
            int left = 0;
            int came = 0;
            long seq = 0;
            for (RandomRecords.Batch b : batches) {
                graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), ++seq);
                // Called after one to five batches: the order is mended over one or several changes.
                if (random.nextInt(5) != 0) continue;
                List<String> ids = graph.personIds();
                assertThat(ids).as("seed %d, after batch %d", seed, seq).doesNotHaveDuplicates();
                Set<String> now = new HashSet<>(ids);
                assertThat(now).as("seed %d, after batch %d", seed, seq).isEqualTo(new HashSet<>(graph.personIdsUnordered()));
                for (String p : before) if (!now.contains(p)) left++;
                for (String p : now) if (!before.contains(p)) came++;
                before = now;
                calls++;
            }
            // Merges, splits, email changes and deletes between calls: people left as well as came.
            assertThat(calls).isGreaterThan(50);
            assertThat(left).as("seed %d: people who left between calls", seed).isPositive();
            assertThat(came).isGreaterThan(before.size());
        }
    }

    @Test
    void peopleWhoCameAreAppendedUntilTheyAreMoreThanATwentiethOfEveryone() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        apply(graph, "{\"type\":\"account\",\"id\":\"A\",\"name\":\"A\"}", "{\"type\":\"account\",\"id\":\"B\",\"name\":\"B\"}",
                person("a1"), person("b1"), relation("A", "a1"), relation("B", "b1"));
        String a1 = UnifiedIds.personByEmail("a1@x.com");
        String a2 = UnifiedIds.personByEmail("a2@x.com");
        String b1 = UnifiedIds.personByEmail("b1@x.com");
        assertThat(graph.personIds()).containsExactly(a1, b1);

        // One more person of A: appended (the last order mended), not put beside a1 (worked out again).
        apply(graph, person("a2"), relation("A", "a2"));
        assertThat(graph.personIds()).containsExactly(a1, b1, a2);
        // a1 leaves: dropped from the kept order.
        apply(graph, "{\"type\":\"person\",\"id\":\"a1\",\"deleted\":true}");
        assertThat(graph.personIds()).containsExactly(b1, a2);
        // b1 leaves and comes back between two calls: once, at the end.
        apply(graph, "{\"type\":\"person\",\"id\":\"b1\",\"deleted\":true}");
        apply(graph, person("b1"));
        assertThat(graph.personIds()).containsExactly(a2, b1);

        // More newcomers than a kept order may end with (at least 1,024): everyone is grouped again.
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1_100; i++) many.add(person("n" + i));
        apply(graph, many.toArray(String[]::new));
        List<String> ids = graph.personIds();
        assertThat(ids).hasSize(1_102).doesNotHaveDuplicates();
        assertThat(ids.subList(0, 2)).as("A's people, then B's").containsExactly(a2, b1);
    }

    private static String person(String id) {
        return "{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\"" + id + "@x.com\"}";
    }

    private static String relation(String account, String person) {
        return "{\"type\":\"accountPerson\",\"accountId\":\"" + account + "\",\"personId\":\"" + person + "\"}";
    }

    private long seq;

    private void apply(ProfileGraph graph, String... records) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String r : records) nodes.add(json.readTree(r));
        graph.apply("crm", parser.parse(nodes), ++seq);
    }
}
