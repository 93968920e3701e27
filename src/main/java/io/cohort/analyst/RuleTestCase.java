package io.cohort.analyst;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One case of a rule test file ({@code rules/<name>.test.yml}): data as the sources send it,
 * the time of evaluation, and the exact members expected per segment. The file is a YAML list:
 * <pre>
 * - name: p2 qualifies
 *   now: 2026-11-25T00:00:00Z
 *   extends: an earlier case of this file   # optional: its records first, then these
 *   records:                                # canonical records, one batch per source, in order
 *     crm-1: [ {type: person, id: "003-P1", email: p1@townsend.com}, … ]
 *   expect:                                 # segments not listed are not checked; [] = empty
 *     high-value-new-product: [p2@townsend.com]
 *   stepTwoLimit: 2                         # optional: engine.stepTwoLimit for this case (500)
 * </pre>
 *
 * @param records source id → canonical records (as accepted by POST /v1/sources/{id}/records)
 * @param expect  segment id → expected member emails, lower-cased
 * @param stepTwoLimit the step-2 limit this case is evaluated with (so that a rule reading
 *                     {@code peopleInReach} can be tested with a few people, not 501)
 */
public record RuleTestCase(String file, String name, Instant now, String extendsCase,
                           Map<String, List<JsonNode>> records, Map<String, List<String>> expect, int stepTwoLimit) {

    private static final Set<String> FIELDS = Set.of("name", "now", "extends", "records", "expect", "stepTwoLimit");
    /** As engine.stepTwoLimit allows. */
    private static final int MAX_STEP_TWO_LIMIT = 1_000_000;
    private static final YAMLMapper YAML = new YAMLMapper();

    /** A test file that cannot be read as cases; the message says which case and field. */
    public static final class FormatException extends Exception {
        public FormatException(String message) { super(message); }
    }

    /** Reads every case of one file; {@code file} is the name shown in reports. */
    public static List<RuleTestCase> load(Path path, String file) throws FormatException {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(path));
        } catch (IOException e) {
            throw new FormatException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) return List.of();
        if (!root.isArray()) throw new FormatException(file + ": must be a YAML list of cases (each starting with '- name: …')");
        List<RuleTestCase> out = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < root.size(); i++) {
            RuleTestCase c = parse(file, i, root.get(i));
            if (!names.add(c.name())) throw new FormatException(where(file, i, c.name()) + ": another case has the same name");
            if (c.extendsCase() != null && !names.contains(c.extendsCase())) {
                throw new FormatException(where(file, i, c.name()) + ": extends '" + c.extendsCase()
                        + "', which is not a case above it in this file");
            }
            out.add(c);
        }
        return out;
    }

    private static RuleTestCase parse(String file, int index, JsonNode n) throws FormatException {
        if (!(n instanceof ObjectNode)) throw new FormatException(where(file, index, null) + ": a case must be a mapping");
        String name = text(n, "name");
        String at = where(file, index, name);
        if (name == null || name.isBlank()) throw new FormatException(at + ": 'name' is required");
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new FormatException(at + ": unknown field '" + f + "'; allowed: " + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        String nowText = text(n, "now");
        if (nowText == null) throw new FormatException(at + ": 'now' is required, e.g. now: 2026-11-25T00:00:00Z");
        Instant now;
        try {
            now = OffsetDateTime.parse(nowText).toInstant();
        } catch (DateTimeParseException e) {
            throw new FormatException(at + ": 'now' must be an ISO-8601 instant such as 2026-11-25T00:00:00Z, got '" + nowText + "'");
        }
        Map<String, List<JsonNode>> records = new LinkedHashMap<>();
        JsonNode rs = n.get("records");
        if (rs != null && !rs.isNull()) {
            if (!rs.isObject()) throw new FormatException(at + ": 'records' must map source ids to lists of records");
            for (var it = rs.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!(e.getValue() instanceof ArrayNode list)) {
                    throw new FormatException(at + ": records." + e.getKey() + " must be a list of records");
                }
                List<JsonNode> batch = new ArrayList<>();
                list.forEach(batch::add);
                records.put(e.getKey(), batch);
            }
        }
        Map<String, List<String>> expect = new LinkedHashMap<>();
        JsonNode ex = n.get("expect");
        if (ex == null || !ex.isObject() || ex.isEmpty()) {
            throw new FormatException(at + ": 'expect' must map at least one segment id to a list of emails ([] for none)");
        }
        for (var it = ex.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (v == null || v.isNull() || !v.isArray()) {
                throw new FormatException(at + ": expect." + e.getKey() + " must be a list of emails ([] for none)");
            }
            List<String> emails = new ArrayList<>();
            for (JsonNode m : v) {
                if (!m.isTextual()) throw new FormatException(at + ": expect." + e.getKey() + " must list emails as text");
                emails.add(m.asText().trim().toLowerCase(Locale.ROOT));
            }
            expect.put(e.getKey(), List.copyOf(emails));
        }
        return new RuleTestCase(file, name, now, text(n, "extends"), records, expect, stepTwoLimit(n, at));
    }

    private static int stepTwoLimit(JsonNode n, String at) throws FormatException {
        JsonNode v = n.get("stepTwoLimit");
        if (v == null || v.isNull()) return io.cohort.identity.ProfileGraph.DEFAULT_STEP_TWO_LIMIT;
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > MAX_STEP_TWO_LIMIT) {
            throw new FormatException(at + ": 'stepTwoLimit' must be a whole number from 1 to " + MAX_STEP_TWO_LIMIT + ", got '"
                    + v.asText() + "'");
        }
        return v.asInt();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String where(String file, int index, String name) {
        return file + ": case " + (index + 1) + (name == null ? "" : " ('" + name + "')");
    }
}
