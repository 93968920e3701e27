package io.cohort.ingest.pull.filedrop;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.cohort.ingest.JsonNumbers;
import io.cohort.ingest.LongNumbers;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeMapper;
import io.cohort.record.RecordType;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Turns a dropped file into canonical record JSON, or says what is wrong and where. */
final class FileFormats {
    /** A file that cannot be read as its format: the reason names the line or field. */
    static final class Unreadable extends Exception {
        Unreadable(String message) { super(message); }
    }

    /**
     * Numbers as sent, up to the length a push takes ({@link JsonNumbers#pageReader}, {@link LongNumbers}):
     * a file with a longer one is refused as a push of it is; immutable, so shared.
     */
    private static final com.fasterxml.jackson.databind.ObjectReader JSON = JsonNumbers.pageReader(new ObjectMapper());
    private static final CsvMapper CSV = new CsvMapper();
    /** CSV columns read as numbers: the record classes' numeric fields (derived, so a new one is one too). */
    private static final Set<String> NUMBERS = fieldsOfType(Number.class);
    /** CSV columns read as booleans when they say true or false: the boolean fields, and "deleted". */
    private static final Set<String> BOOLEANS = Stream.concat(fieldsOfType(Boolean.class).stream(), Stream.of("deleted"))
            .collect(Collectors.toUnmodifiableSet());

    private FileFormats() {}

    private static Set<String> fieldsOfType(Class<?> type) {
        return Arrays.stream(RecordType.values()).flatMap(t -> Arrays.stream(t.recordClass().getRecordComponents()))
                .filter(c -> type.isAssignableFrom(c.getType())).map(RecordComponent::getName)
                .collect(Collectors.toUnmodifiableSet());
    }

    static List<JsonNode> records(String fileName, String content, FileDropPull config, NativeMapper mapper) throws Unreadable {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".ndjson") || name.endsWith(".jsonl")) return ndjson(content);
        if (name.endsWith(".csv")) return csv(content, config.getRecordType());
        if (name.endsWith(".json")) return json(fileName, content, config, mapper);
        throw new Unreadable("unknown file type: expected .ndjson, .jsonl, .json or .csv");
    }

    /** {@code text} as JSON; refused naming where: {@code where} (a line of NDJSON), and the field of a number too long. */
    private static JsonNode read(String text, String where) throws Unreadable {
        try {
            return JSON.readTree(text);
        } catch (StreamConstraintsException e) {
            if (JsonNumbers.isTooLong(e)) {
                LongNumbers.Found f = LongNumbers.first(JSON.getFactory(), x -> x.createParser(text));
                if (f != null) {
                    throw new Unreadable(where + "field '" + f.field(0) + "': " + f.message()
                            + (where.isEmpty() ? " (at line " + f.line() + ", column " + f.column() + ")" : ""));
                }
            }
            throw new Unreadable(where + "not JSON: " + e.getMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new Unreadable(where + "not JSON: " + e.getMessage().split("\n")[0]);
        }
    }

    private static List<JsonNode> ndjson(String content) throws Unreadable {
        List<JsonNode> out = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            out.add(read(lines[i], "line " + (i + 1) + ": "));
        }
        return out;
    }

    private static List<JsonNode> json(String fileName, String content, FileDropPull config, NativeMapper mapper) throws Unreadable {
        JsonNode root = read(content, "");
        if (root != null && root.isObject() && root.path("records").isArray() && root.size() == 1) {
            List<JsonNode> out = new ArrayList<>();
            root.get("records").forEach(out::add);
            return out;
        }
        String object = config.getObject() != null ? config.getObject()
                : mapper.objects().size() == 1 ? mapper.objects().get(0) : fileName.split("[.\\-_]", 2)[0];
        try {
            return new ArrayList<>(mapper.map(object, root));
        } catch (NativeFormatException e) {
            throw new Unreadable("not {\"records\": […]} and not the source's native '" + object + "' export: " + e.getMessage());
        }
    }

    private static List<JsonNode> csv(String content, String recordType) throws Unreadable {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = CSV.readerFor(Map.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(content)) {
            int line = 1;
            while (it.hasNext()) {
                line++;
                Map<String, String> row = it.next();
                ObjectNode r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                if (recordType != null && !row.containsKey("type")) r.put("type", recordType);
                for (var e : row.entrySet()) {
                    String k = e.getKey();
                    String v = e.getValue();
                    if (v == null || v.isEmpty()) continue;
                    if (k.startsWith("attributes.")) {
                        ObjectNode attrs = r.has("attributes") ? (ObjectNode) r.get("attributes") : r.putObject("attributes");
                        attrs.put(k.substring("attributes.".length()), v);
                    } else if (NUMBERS.contains(k)) {
                        // The length a push takes: read as a number, more would be a CSV's way around it.
                        if (v.length() > LongNumbers.MAX_LENGTH) throw new Unreadable("line " + line + ", column " + k + ": " + LongNumbers.refusal(v.length()));
                        try {
                            r.put(k, new java.math.BigDecimal(v));
                        } catch (NumberFormatException nfe) {
                            throw new Unreadable("line " + line + ", column " + k + ": not a number: '" + v + "'");
                        }
                    } else if (BOOLEANS.contains(k) && (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false"))) {
                        r.put(k, Boolean.parseBoolean(v));
                    } else {
                        r.put(k, v);
                    }
                }
                out.add(r);
            }
        } catch (IOException | RuntimeException e) {
            throw new Unreadable("not CSV with a header row: " + e.getMessage().split("\n")[0]);
        }
        return out;
    }
}
