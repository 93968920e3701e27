package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord;
import io.cohort.reliability.RandomRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Property: after any sequence of batches, the profile graph holds exactly the records the store
 * holds: per (source, type, key), the last one stated and not deleted since. The evaluation
 * properties compare incremental with fresh evaluation of one graph, so a record the graph drops
 * on arrival is lost to both alike; this compares the graph with the store's own rule, over ids
 * numbered per type as many sources do (person 3, account 3, deal 3 of one source), where two
 * relation types with the same key fields were one entry of the graph and the later replaced the
 * earlier.
 */
class GraphRecordsTest {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    @Test
    void theGraphHoldsTheLastStatedRecordOfEveryKey() {
        RecordParser parser = new RecordParser(new IngestLimits());
        for (long seed = 1; seed <= 60; seed++) {
            for (boolean numeric : new boolean[] {true, false}) {
                RandomRecords gen = new RandomRecords(seed, NOW, 6, 4, 4, numeric);
                ProfileGraph graph = new ProfileGraph();
                Map<String, SourceRecord> store = new TreeMap<>();
                for (int step = 1; step <= 80; step++) {
                    RandomRecords.Batch b = gen.next();
                    List<RecordChange> changes = parser.parse(new ArrayList<JsonNode>(b.records()));
                    for (RecordChange c : changes) {
                        String key = b.source() + "/" + c.type().wireName() + "/" + c.key();
                        if (c instanceof RecordChange.Upsert u) store.put(key, u.record());
                        else store.remove(key);
                    }
                    graph.apply(b.source(), changes, step);
                }
                String what = "seed " + seed + (numeric ? ", numeric ids" : "");
                Map<String, SourceRecord> held = held(graph);
                Map<String, SourceRecord> expected = new TreeMap<>(store);
                expected.keySet().removeIf(k -> k.contains("/" + RecordType.EVENT.wireName() + "/"));
                assertThat(minus(expected.keySet(), held.keySet())).as(what + ": stored, not in the graph").isEmpty();
                assertThat(minus(held.keySet(), expected.keySet())).as(what + ": in the graph, not stored").isEmpty();
                assertThat(held).as(what).isEqualTo(expected);
                long events = store.keySet().stream().filter(k -> k.contains("/" + RecordType.EVENT.wireName() + "/")).count();
                graph.readIndex(ix -> {
                    assertThat(ix.eventOwners.size()).as(what + ": events").isEqualTo(events);
                    ix.checkPersonIndex();
                });
            }
        }
    }

    private static java.util.Set<String> minus(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> out = new java.util.TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    /** Every non-event record the graph holds, by source/type/key. */
    private static Map<String, SourceRecord> held(ProfileGraph graph) {
        Map<String, SourceRecord> out = new TreeMap<>();
        graph.readIndex(ix -> {
            for (var s : ix.records()) {
                SourceRecord r = s.record();
                SourceRecord before = out.put(s.source() + "/" + r.type().wireName() + "/" + r.key(), r);
                assertThat(before).as("held twice: " + r).isNull();
            }
        });
        return out;
    }
}
