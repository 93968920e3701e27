package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRef;
import io.cohort.reliability.CompanyWorld;
import io.cohort.reliability.RandomRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph snapshot is a cache of the store: a graph read from it must be the graph the store
 * would give, down to what later changes do to it, and a snapshot of anything else is refused.
 */
class GraphSnapshotTest {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    private final RecordParser parser = new RecordParser(new IngestLimits());
    private final ObjectMapper json = new ObjectMapper();
    private final GraphSnapshot.Stamp stamp = new GraphSnapshot.Stamp("store-1", 42, 1000);
    @TempDir Path dir;

    /** Every record type, with every field set, including those only some sources send. */
    private static final String[][] EVERY_TYPE = {
            {"crm-1", """
                    {"type":"person","id":"p1","email":"Ann@Example.com","firstName":"Ann","lastName":"Lee","title":"VP Sales",
                     "country":"DE","emailOptOut":true,"attributes":{"tier":"gold","ünïcødé":"✓ tab\\t quote\\""}}"""},
            {"crm-1", """
                    {"type":"account","id":"A1","name":"Example GmbH","domain":"example.com","industry":"Automotive","employees":12000,
                     "annualRevenue":1.5E9,"country":"DE","sameAs":{"source":"crm-2","id":"B1"},"attributes":{"segment":"enterprise"}}"""},
            {"crm-2", """
                    {"type":"account","id":"B1","name":"Example","domain":"example.com"}"""},
            {"crm-1", """
                    {"type":"accountPerson","accountId":"A1","personId":"p1","role":"Decision Maker"}"""},
            {"crm-1", """
                    {"type":"opportunity","id":"o1","accountId":"A1","name":"Fleet","amount":1234567.89,"currency":"EUR","stage":"Closed Won",
                     "isWon":true,"isClosed":true,"closeDate":"2026-10-01","sameAs":{"source":"crm-2","id":"o9"}}"""},
            {"crm-1", """
                    {"type":"opportunityPerson","opportunityId":"o1","personId":"p1","role":"Economic Buyer"}"""},
            {"crm-1", """
                    {"type":"campaign","id":"c1","name":"Webinar","campaignType":"Webinar","status":"Completed"}"""},
            {"crm-1", """
                    {"type":"campaignMember","campaignId":"c1","personId":"p1","status":"Attended"}"""},
            {"marketo-1", """
                    {"type":"person","id":"42","email":"ann@example.com","firstName":"Ann"}"""},
            {"marketo-1", """
                    {"type":"marketingList","id":"L1","name":"Newsletter"}"""},
            {"marketo-1", """
                    {"type":"marketingListMember","listId":"L1","personId":"42"}"""},
            {"marketo-1", """
                    {"type":"event","id":"e1","personId":"42","eventType":"page_view","timestamp":"2026-11-20T10:00:00Z",
                     "url":"https://www.example.com/products/new?utm=x","attributes":{"campaign":"launch"}}"""},
            {"marketo-1", """
                    {"type":"event","id":"e2","personId":"42","eventType":"email_open","timestamp":"2026-11-19T10:00:00Z"}"""},
            {"marketo-1", """
                    {"type":"event","id":"e3","personId":"nobody-yet","eventType":"form_fill","timestamp":"2026-11-21T10:00:00Z"}"""},
            {"mdm", """
                    {"type":"accountLink","id":"G1","name":"Example group","accounts":[{"source":"crm-1","id":"A1"},{"source":"crm-2","id":"B1"}]}"""},
    };

    @Test
    void everyRecordTypeReadsBackToTheSameGraph() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        Set<RecordType> seen = EnumSet.noneOf(RecordType.class);
        long seq = 0;
        for (String[] r : EVERY_TYPE) {
            var changes = parser.parse(List.of(json.readTree(r[1])));
            changes.forEach(c -> seen.add(c.type()));
            graph.apply(r[0], changes, ++seq);
        }
        assertThat(seen).as("the test covers every record type").isEqualTo(EnumSet.allOf(RecordType.class));

        ProfileGraph read = roundTrip(graph);
        assertSameGraph(read, graph);
        // Records are read without interning their strings (Values.asGiven): an id must still
        // be one string wherever the graph mentions it, shared by the file itself, or every
        // relation would carry a copy of its person's and account's ids.
        read.readIndex(ix -> {
            String personId = ix.person(new SourceRef("crm-1", "p1")).record().id();
            String accountId = ix.accounts.get(new SourceRef("crm-1", "A1")).record().id();
            var relation = (io.cohort.record.SourceRecord.AccountPersonRecord) java.util.stream.StreamSupport.stream(ix.relations.spliterator(), false)
                    .map(Stamped::record).filter(r -> r instanceof io.cohort.record.SourceRecord.AccountPersonRecord)
                    .findFirst().orElseThrow();
            assertThat(relation.personId()).isSameAs(personId);
            assertThat(relation.accountId()).isSameAs(accountId);
            assertThat(ix.accounts.get(new SourceRef("crm-1", "A1")).record().sameAs().id())
                    .isSameAs(ix.accounts.get(new SourceRef("crm-2", "B1")).record().id());
        });
    }

    /**
     * Files of earlier formats are of another version: their graphs may lack relation records the
     * store has (two types with the same key fields in one source were one entry, see
     * {@link Relations}), or hold event ids hashed without a key (format 6), so they are not read
     * and the start loads from the store.
     */
    @Test
    void snapshotsOfEarlierFormatsAreNotRead() throws Exception {
        CompanyWorld world = new CompanyWorld(11, NOW, 12, 0.3);
        ProfileGraph graph = new ProfileGraph();
        load(graph, world.arrival(true));
        Path file = dir.resolve("earlier.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        assertThat(GraphSnapshot.stamp(file)).contains(stamp);
        for (int earlier = 3; earlier <= 6; earlier++) {
            try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.allocate(4).putInt(0, earlier), Long.BYTES); // after the magic number
            }
            assertThat(GraphSnapshot.stamp(file)).as("format " + earlier).isEmpty();
            assertThat(GraphSnapshot.OnDisk.of(file)).isEmpty();
            ProfileGraph read = new ProfileGraph();
            assertThatThrownBy(() -> GraphSnapshot.read(file, stamp, read, Long.MIN_VALUE)).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("another format");
            assertThat(read.personIdsUnordered()).as("the graph is left as it was").isEmpty();
        }
    }

    /**
     * A start deletes the temporary files a write of its snapshot left when the process died during
     * it, and nothing else: not the snapshot, not another file's leftovers, not a directory.
     */
    @Test
    void aStartDeletesWhatAWriteLeftAndNothingElse() throws Exception {
        CompanyWorld world = new CompanyWorld(17, NOW, 6, 0.3);
        ProfileGraph graph = new ProfileGraph();
        load(graph, world.arrival(true));
        Path file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        // What a kill during a checkpoint leaves: an encoding that was never committed.
        GraphSnapshot.Encoded killed = GraphSnapshot.encode(graph, file, stamp);
        Files.writeString(dir.resolve("graph.snapshot12345.events.tmp"), "events");
        Files.writeString(dir.resolve("graph.snapshot.memberships.tmp"), "copy");
        Files.writeString(dir.resolve("other.snapshot77.tmp"), "not ours");
        Files.writeString(dir.resolve("graph.snapshot.keep"), "not a temporary file");
        Files.createDirectory(dir.resolve("graph.snapshot.dir.tmp"));
        long expected = 0;
        try (var names = Files.list(dir)) {
            for (Path f : names.filter(f -> f.getFileName().toString().matches("graph\\.snapshot.+\\.tmp") && Files.isRegularFile(f)).toList()) {
                expected += Files.size(f);
            }
        }

        GraphSnapshot.Leftovers left = GraphSnapshot.removeLeftovers(file);

        assertThat(left.files()).isEqualTo(3);
        assertThat(left.bytes()).isEqualTo(expected).isGreaterThan(1_000);
        try (var names = Files.list(dir)) {
            assertThat(names.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                    "graph.snapshot", "other.snapshot77.tmp", "graph.snapshot.keep", "graph.snapshot.dir.tmp");
        }
        assertThat(GraphSnapshot.stamp(file)).contains(stamp);
        killed.close(); // nothing left to delete
        assertThat(GraphSnapshot.removeLeftovers(dir.resolve("absent/graph.snapshot")).files()).isZero();
    }

    /**
     * Records are written in the order of arrival, those of one batch in the order the index lists
     * them, exactly as a stable sort by batch puts them; batch numbers too large to pack beside a
     * position are sorted the slow way, to the same order.
     */
    @Test
    void recordsAreOrderedByArrivalAsAStableSortWould() {
        java.util.Random rnd = new java.util.Random(3);
        for (long[] range : new long[][] {{1, 40}, {0, 3}, {1L << 50, (1L << 50) + 7}, {-5, 5}}) {
            List<Stamped<String>> all = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) all.add(new Stamped<>("s", "r" + i, range[0] + (long) (rnd.nextDouble() * (range[1] - range[0]))));
            List<Stamped<String>> stable = new ArrayList<>(all);
            stable.sort(java.util.Comparator.comparingLong(Stamped::seq));
            int[] order = GraphSnapshot.arrivalOrder(all);
            List<Stamped<String>> got = new ArrayList<>();
            for (int i : order) got.add(all.get(i));
            assertThat(got).as("batches %d..%d", range[0], range[1]).containsExactlyElementsOf(stable);
        }
        assertThat(GraphSnapshot.arrivalOrder(List.of())).isEmpty();
        assertThat(GraphSnapshot.arrivalOrder(List.of(new Stamped<>("s", "r", 9)))).containsExactly(0);
    }

    /**
     * A checkpoint encodes the graph while it is held still, then makes the file durable and puts
     * it in place while the graph changes again: what it puts in place is the graph as encoded,
     * and an encoding never committed leaves neither the file nor a temporary file behind.
     */
    @Test
    void anEncodedSnapshotIsTheGraphAsEncodedAndLeavesNothingUncommitted() throws Exception {
        CompanyWorld world = new CompanyWorld(13, NOW, 12, 0.3);
        ProfileGraph graph = new ProfileGraph();
        long seq = load(graph, world.arrival(true));
        Path whole = dir.resolve("whole.snapshot");
        GraphSnapshot.write(graph, whole, stamp);

        Path dropped = dir.resolve("dropped.snapshot");
        try (GraphSnapshot.Encoded e = GraphSnapshot.encode(graph, dropped, stamp)) {
            assertThat(dropped).doesNotExist();
        }
        Path file = dir.resolve("graph.snapshot");
        try (GraphSnapshot.Encoded e = GraphSnapshot.encode(graph, file, stamp)) {
            // The graph runs again before the commit.
            for (RandomRecords.Batch b : world.mutations(30)) graph.apply(b.source(), parse(b), ++seq);
            assertThat(file).doesNotExist();
            e.commit();
        }
        assertThat(Files.readAllBytes(file)).as("the events section, encoded beside the records, lands where a write puts it")
                .isEqualTo(Files.readAllBytes(whole));
        try (var names = Files.list(dir)) {
            assertThat(names.map(f -> f.getFileName().toString())).as("no temporary file left")
                    .containsExactlyInAnyOrder("whole.snapshot", "graph.snapshot");
        }
    }

    /**
     * The full evaluation's order of everyone is written with the graph and read back as it was:
     * the first rule edit after a start does not work it out again (seconds at 1M people).
     */
    @Test
    void theOrderOfEveryoneReadsBackAndIsNotWorkedOutAgain() throws Exception {
        CompanyWorld world = new CompanyWorld(5, NOW, 12, 0.3);
        ProfileGraph graph = new ProfileGraph();
        long seq = load(graph, world.arrival(true));
        assertThat(graph.ordersWorkedOut()).isZero();
        Path file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        assertThat(graph.ordersWorkedOut()).as("worked out by the writer when it was not kept").isOne();
        List<String> order = graph.personIds();
        assertThat(order).hasSizeGreaterThan(20);

        ProfileGraph read = roundTripFromFile(file);
        assertThat(read.personIds()).containsExactlyElementsOf(order);
        assertThat(read.ordersWorkedOut()).as("the order was read, not worked out").isZero();

        // Written again from the kept order (not worked out again), and mended like the original's after changes.
        GraphSnapshot.write(graph, file, stamp);
        assertThat(graph.ordersWorkedOut()).isOne();
        for (RandomRecords.Batch b : world.mutations(40)) {
            seq++;
            graph.apply(b.source(), parse(b), seq);
            read.apply(b.source(), parse(b), seq);
        }
        assertThat(read.personIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(graph.personIdsUnordered())
                .containsExactlyElementsOf(graph.personIds());

        // A stop keeps a file that holds its graph.
        GraphSnapshot.write(graph, file, stamp);
        assertThat(GraphSnapshot.OnDisk.of(file).orElseThrow().stillHolds(file, stamp)).isTrue();
    }

    @Test
    void aGraphReadBackChangesLikeTheOriginalUnderLaterRecords() throws Exception {
        CompanyWorld world = new CompanyWorld(7, NOW, 12, 0.3);
        ProfileGraph graph = new ProfileGraph();
        long seq = load(graph, world.arrival(true));
        ProfileGraph read = roundTrip(graph);
        assertSameGraph(read, graph);
        assertThat(read.eventCount()).isPositive();

        // Merges, splits, deletes, moved deals and event updates find their way in both graphs
        // alike: the indexes were rebuilt, not merely the facts.
        for (RandomRecords.Batch b : world.mutations(200)) {
            seq++;
            Touched a = graph.apply(b.source(), parse(b), seq);
            Touched c = read.apply(b.source(), parse(b), seq);
            assertThat(read.affected(c, 2)).isEqualTo(graph.affected(a, 2));
            // Walks over everyone rely on it (merges, splits, email changes and deletes included).
            graph.readIndex(SourceIndex::checkPersonIndex);
            read.readIndex(SourceIndex::checkPersonIndex);
        }
        assertSameGraph(read, graph);
    }

    /**
     * Past the writer's first few thousand values of a field, it shares only values that repeat:
     * a person's id is written once in its record, but each relation mentions it again, and the
     * read graph must hold one string per id, not one per mention.
     */
    @Test
    void idsReadBackAreOneStringWhereverMentioned() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        long seq = 0;
        for (int p = 0; p < 6_000; p++) {
            String record = "{\"type\":\"person\",\"id\":\"p" + p + "\",\"email\":\"p" + p + "@example.com\"}";
            graph.apply("crm-1", parser.parse(List.of(json.readTree(record))), ++seq);
        }
        for (int p = 0; p < 6_000; p++) {
            String record = "{\"type\":\"accountPerson\",\"accountId\":\"A" + (p / 10) + "\",\"personId\":\"p" + p + "\"}";
            graph.apply("crm-1", parser.parse(List.of(json.readTree(record))), ++seq);
        }
        ProfileGraph read = roundTrip(graph);
        read.readIndex(ix -> {
            int relations = 0;
            for (var s : ix.relations) {
                var ap = (io.cohort.record.SourceRecord.AccountPersonRecord) s.record();
                assertThat(ap.personId()).as(ap.personId()).isSameAs(ix.person(new SourceRef("crm-1", ap.personId())).record().id());
                relations++;
            }
            assertThat(relations).isEqualTo(6_000);
        });
    }

    /**
     * The event index is rebuilt in one go on a read: every event must be found again under its
     * id, so that an update moving it to someone else, or a delete (which names only the event),
     * changes the person who held it, in the read graph as in the original.
     */
    @Test
    void eventsReadBackAreFoundAgainByTheirIdsAlone() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        long seq = 0;
        for (int p = 0; p < 40; p++) {
            seq = applyJson(graph, seq, "{\"type\":\"person\",\"id\":\"m" + p + "\",\"email\":\"p" + p + "@example.com\"}");
            for (int e = 0; e < 5; e++) seq = applyJson(graph, seq, event("e" + p + "-" + e, "m" + p, 10 + e));
        }
        ProfileGraph read = roundTrip(graph);
        assertSameGraph(read, graph);
        for (int p = 0; p < 40; p++) {
            String[] later = {
                    event("e" + p + "-0", "m" + ((p + 1) % 40), 20),    // moved to the next person
                    "{\"type\":\"event\",\"id\":\"e" + p + "-1\",\"deleted\":true}", // gone
                    event("e" + p + "-2", "m" + p, 21)};                // same person, later
            for (String r : later) {
                seq++;
                graph.apply("marketo-1", parser.parse(List.of(json.readTree(r))), seq);
                read.apply("marketo-1", parser.parse(List.of(json.readTree(r))), seq);
            }
        }
        assertThat(graph.eventCount()).isEqualTo(40 * 4);
        assertSameGraph(read, graph);
    }

    /**
     * A read hangs each person's events on the entry of its record: one ref and one id string per
     * source person, not a second of each from the events section (1M people's worth at 1M
     * profiles). People with events and no record keep them, and entries go when the last of
     * what they hold does, in the read graph as in the original.
     */
    @Test
    void eventsReadBackHangOffTheirPersonsEntry() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        long seq = 0;
        for (int p = 0; p < 30; p++) {
            if (p % 3 != 0) seq = applyJson(graph, seq, "{\"type\":\"person\",\"id\":\"m" + p + "\",\"email\":\"p" + p + "@example.com\"}");
            for (int e = 0; e < 2; e++) seq = applyJson(graph, seq, event("e" + p + "-" + e, "m" + p, 10 + e));
        }
        ProfileGraph read = roundTrip(graph);
        assertSameGraph(read, graph);
        read.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.eventHolders()).isEqualTo(30);
            assertThat(ix.people).as("an entry per person, with a record or only events").hasSize(30);
            for (int p = 0; p < 30; p++) {
                SourceRef ref = new SourceRef("marketo-1", "m" + p);
                var entry = ix.people.get(ref);
                assertThat(entry.series.size()).isEqualTo(2);
                assertThat(ix.eventsOf(Node.person(ref))).isSameAs(entry.series);
                if (p % 3 != 0) assertThat(entry.ref.id()).as("one id string").isSameAs(entry.record().record().id());
            }
        });
        // Record gone, events stay; events gone, an entry without a record goes.
        List<String> later = List.of("{\"type\":\"person\",\"id\":\"m1\",\"deleted\":true}",
                "{\"type\":\"event\",\"id\":\"e0-0\",\"deleted\":true}", "{\"type\":\"event\",\"id\":\"e0-1\",\"deleted\":true}",
                "{\"type\":\"event\",\"id\":\"e2-0\",\"deleted\":true}", "{\"type\":\"event\",\"id\":\"e2-1\",\"deleted\":true}");
        for (String r : later) {
            seq = applyJson(graph, seq, r);
            read.apply("marketo-1", parser.parse(List.of(json.readTree(r))), seq);
        }
        assertSameGraph(read, graph);
        read.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people.get(new SourceRef("marketo-1", "m1")).series.size()).isEqualTo(2);
            assertThat(ix.people.get(new SourceRef("marketo-1", "m0"))).isNull();
            assertThat(ix.people.get(new SourceRef("marketo-1", "m2")).series.size()).as("its record stays").isZero();
            assertThat(ix.eventHolders()).isEqualTo(28);
        });
    }

    private long applyJson(ProfileGraph graph, long seq, String record) throws IOException {
        graph.apply("marketo-1", parser.parse(List.of(json.readTree(record))), ++seq);
        return seq;
    }

    private static String event(String id, String person, int day) {
        return "{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"" + person
                + "\",\"eventType\":\"page_view\",\"timestamp\":\"2026-11-" + day + "T10:00:00Z\"}";
    }

    @Test
    void eventsPastRetentionSinceTheWriteAreLeftOut() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        long seq = 0;
        for (String[] r : EVERY_TYPE) graph.apply(r[0], parser.parse(List.of(json.readTree(r[1]))), ++seq);
        Path file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        ProfileGraph read = new ProfileGraph();
        var figures = GraphSnapshot.read(file, stamp, read, Instant.parse("2026-11-20T00:00:00Z").toEpochMilli());
        assertThat(figures.events()).isEqualTo(2);
        assertThat(read.eventCount()).isEqualTo(2);
    }

    @Test
    void aSnapshotOfAnotherStoreStateIsRefusedAndLeavesTheGraphAlone() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        graph.apply("crm-1", parser.parse(List.of(json.readTree(EVERY_TYPE[0][1]))), 1);
        Path file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        assertThat(GraphSnapshot.stamp(file)).contains(stamp);

        ProfileGraph target = new ProfileGraph();
        for (GraphSnapshot.Stamp other : List.of(new GraphSnapshot.Stamp("store-2", 42, 1000),
                new GraphSnapshot.Stamp("store-1", 43, 1000), new GraphSnapshot.Stamp("store-1", 42, 999))) {
            assertThatThrownBy(() -> GraphSnapshot.read(file, other, target, Long.MIN_VALUE)).isInstanceOf(IOException.class);
        }
        assertThat(target.personCount()).isZero();
    }

    @Test
    void aTruncatedOrDamagedFileDoesNotReadAndLeavesTheGraphAlone() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        load(graph, new CompanyWorld(3, NOW, 4, 0.2).arrival(false));
        Path file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        byte[] whole = Files.readAllBytes(file);

        for (int cut : new int[] {whole.length - 1, whole.length - 9, whole.length / 2, 40}) {
            Files.write(file, java.util.Arrays.copyOf(whole, cut));
            ProfileGraph target = new ProfileGraph();
            assertThatThrownBy(() -> GraphSnapshot.read(file, stamp, target, Long.MIN_VALUE))
                    .as("cut at %d of %d bytes", cut, whole.length).isInstanceOf(IOException.class);
            assertThat(target.personCount()).isZero();
        }
        // Every section is checksummed: one flipped byte anywhere (header, records, events,
        // trailer) refuses the file instead of reading as other data.
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 40; i++) {
            int at = i < 8 ? whole.length - 1 - i * 7 : random.nextInt(whole.length);
            byte[] flipped = whole.clone();
            flipped[at] ^= (byte) (1 + random.nextInt(255));
            Files.write(file, flipped);
            ProfileGraph target = new ProfileGraph();
            assertThatThrownBy(() -> GraphSnapshot.read(file, stamp, target, Long.MIN_VALUE))
                    .as("byte %d of %d flipped", at, whole.length).isInstanceOf(IOException.class);
            assertThat(target.personCount()).isZero();
        }
        Files.write(file, whole);
        assertThat(roundTripFromFile(file).personCount()).isEqualTo(graph.personCount());
        assertThat(GraphSnapshot.stamp(dir.resolve("absent"))).isEmpty();
        Files.writeString(file, "not a snapshot at all");
        assertThat(GraphSnapshot.stamp(file)).isEmpty();
    }

    private long load(ProfileGraph graph, List<RandomRecords.Batch> batches) {
        long seq = 0;
        for (RandomRecords.Batch b : batches) graph.apply(b.source(), parse(b), ++seq);
        return seq;
    }

    private List<io.cohort.record.RecordChange> parse(RandomRecords.Batch b) {
        return parser.parse(new ArrayList<JsonNode>(b.records()));
    }

    private ProfileGraph roundTripFromFile(Path file) throws IOException {
        ProfileGraph read = new ProfileGraph();
        GraphSnapshot.read(file, stamp, read, Long.MIN_VALUE);
        return read;
    }

    private ProfileGraph roundTrip(ProfileGraph graph) throws IOException {
        Path file = dir.resolve("graph.snapshot");
        GraphSnapshot.write(graph, file, stamp);
        ProfileGraph read = new ProfileGraph();
        GraphSnapshot.read(file, stamp, read, Long.MIN_VALUE);
        return read;
    }

    private static void assertSameGraph(ProfileGraph actual, ProfileGraph expected) { SameGraph.assertSameGraph(actual, expected); }
}
