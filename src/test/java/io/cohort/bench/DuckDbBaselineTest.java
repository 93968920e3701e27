package io.cohort.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.analyst.RuleTestCase;
import io.cohort.record.RecordType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL of every segment against the analysts' own expectations: each case of rules/*.test.yml
 * (its records, with the cases it extends, after upserts and deletes by record key) is loaded into
 * DuckDB the way the benchmark loads its data, and each expected audience must be the query's.
 * These cases are small on purpose and hit the edges (closed deals still labelled Negotiation,
 * industry known only to the Marketo copy, campaign ids per source, the MDM link…).
 *
 * <p>Part of the suite: SQL that drifts from a rule's meaning fails here, not only in a long benchmark run.
 */
class DuckDbBaselineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;

    @Test
    void everySegmentsSqlPassesTheRuleTests() throws Exception {
        Map<String, DuckDbBaseline.SegmentSql> sql = new LinkedHashMap<>();
        DuckDbBaseline.SEGMENTS.forEach(s -> sql.put(s.id(), s));
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("rules"))) {
            files = s.filter(p -> p.toString().endsWith(".test.yml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        List<String> failures = new ArrayList<>();
        Set<String> covered = new TreeSet<>();
        int n = 0;
        for (Path file : files) {
            List<RuleTestCase> cases = RuleTestCase.load(file, file.getFileName().toString());
            Map<String, RuleTestCase> byName = new LinkedHashMap<>();
            for (RuleTestCase c : cases) {
                byName.put(c.name(), c);
                Path dir = write(tmp.resolve("case-" + ++n), chain(c, byName));
                try (DuckDbBaseline duck = new DuckDbBaseline(1, "512MB")) {
                    duck.load(dir);
                    for (var e : c.expect().entrySet()) {
                        DuckDbBaseline.SegmentSql s = sql.get(e.getKey());
                        if (s == null) {
                            failures.add(file.getFileName() + " / " + c.name() + ": no SQL for segment " + e.getKey());
                            continue;
                        }
                        covered.add(s.id());
                        Set<String> expected = new TreeSet<>(e.getValue());
                        Set<String> actual = duck.audience(s, c.now(), 1e6);
                        if (!expected.equals(actual)) {
                            failures.add(file.getFileName() + " / " + c.name() + " / " + s.id() + ": expected " + expected
                                    + " but SQL gave " + actual);
                        }
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(covered).containsExactlyInAnyOrderElementsOf(sql.keySet());
    }

    /** The case and the cases it extends, oldest first. */
    private static List<RuleTestCase> chain(RuleTestCase c, Map<String, RuleTestCase> byName) {
        List<RuleTestCase> out = new ArrayList<>();
        for (RuleTestCase x = c; x != null; x = x.extendsCase() == null ? null : byName.get(x.extendsCase())) out.add(0, x);
        return out;
    }

    /** Applies the chain's batches in order (upsert or delete by record key) and writes what remains as NDJSON. */
    private static Path write(Path dir, List<RuleTestCase> chain) throws IOException {
        Map<String, Map<String, JsonNode>> bySource = new LinkedHashMap<>();
        for (RuleTestCase c : chain) {
            for (var batch : c.records().entrySet()) {
                Map<String, JsonNode> recs = bySource.computeIfAbsent(batch.getKey(), k -> new LinkedHashMap<>());
                for (JsonNode r : batch.getValue()) {
                    String type = r.get("type").asText();
                    List<String> key = new ArrayList<>(List.of(type));
                    for (String f : RecordType.fromWire(type).orElseThrow().keyFields()) key.add(r.path(f).asText());
                    String k = String.join("|", key);
                    recs.remove(k); // an upsert replaces the whole record, and moves it last
                    if (!r.path("deleted").asBoolean(false)) recs.put(k, r);
                }
            }
        }
        for (var e : bySource.entrySet()) {
            Path d = Files.createDirectories(dir.resolve(e.getKey()));
            StringBuilder b = new StringBuilder();
            for (JsonNode r : e.getValue().values()) b.append(JSON.writeValueAsString(r)).append('\n');
            Files.writeString(d.resolve("000001.ndjson"), b.toString(), StandardCharsets.UTF_8);
        }
        return dir;
    }
}
