package io.cohort.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Canonical record files as the API takes them: {@code {"records":[…]}} in *.json, one record per
 * line in *.ndjson / *.jsonl. Read as a stream in batches, so a file may be larger than memory.
 */
final class CanonicalFiles {
    /** Records {@code firstIndex…} of a file (0-based, as in API error indexes); lines for NDJSON. */
    record Batch(Path file, int firstIndex, List<JsonNode> records, List<Integer> lines) {}

    /** A batch that could not even be read as JSON. */
    record Unreadable(Path file, int line, String message) {}

    interface Sink {
        void batch(Batch b) throws Exception;

        void unreadable(Unreadable u) throws Exception;
    }

    private CanonicalFiles() {}

    /** The record files named, directories expanded (sorted, not recursive into hidden files). */
    static List<Path> list(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).filter(CanonicalFiles::isRecordFile).sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("no such file or directory: " + p);
            }
        }
        return out;
    }

    static boolean isRecordFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return !n.startsWith(".") && (n.endsWith(".json") || isNdjson(p));
    }

    static boolean isNdjson(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".ndjson") || n.endsWith(".jsonl");
    }

    /** The source a file speaks for when none is given: its name without extension (crm-1.json → crm-1). */
    static String sourceOf(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static void read(Path file, ObjectMapper mapper, int batchSize, Sink sink) throws Exception {
        if (isNdjson(file)) readNdjson(file, mapper, batchSize, sink);
        else readJson(file, mapper, batchSize, sink);
    }

    private static void readNdjson(Path file, ObjectMapper mapper, int batchSize, Sink sink) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        int index = 0;
        int first = 0;
        boolean broken = false;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                try {
                    records.add(mapper.readTree(line));
                } catch (JsonProcessingException e) {
                    // The batch this line belongs to is rejected whole, as the API would.
                    sink.unreadable(new Unreadable(file, lineNo, "record " + index + ": " + e.getOriginalMessage()));
                    broken = true;
                }
                lines.add(lineNo);
                index++;
                if (lines.size() == batchSize) {
                    if (!broken) sink.batch(new Batch(file, first, List.copyOf(records), List.copyOf(lines)));
                    records.clear();
                    lines.clear();
                    first = index;
                    broken = false;
                }
            }
        }
        if (!lines.isEmpty() && !broken) sink.batch(new Batch(file, first, List.copyOf(records), List.copyOf(lines)));
    }

    private static void readJson(Path file, ObjectMapper mapper, int batchSize, Sink sink) throws Exception {
        try (JsonParser p = mapper.getFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"records".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
                sink.unreadable(new Unreadable(file, p.currentLocation().getLineNr(),
                        "a .json file must be {\"records\": [ … ]}; use .ndjson for one record per line"));
                return;
            }
            // Reading one element of a stream: what follows it is the next element, not trailing garbage.
            ObjectReader element = mapper.readerFor(JsonNode.class).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
            List<JsonNode> records = new ArrayList<>();
            int first = 0;
            int index = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                records.add(element.readValue(p));
                index++;
                if (records.size() == batchSize) {
                    sink.batch(new Batch(file, first, List.copyOf(records), List.of()));
                    records.clear();
                    first = index;
                }
            }
            if (!records.isEmpty()) sink.batch(new Batch(file, first, List.copyOf(records), List.of()));
            if (p.nextToken() != JsonToken.END_OBJECT) {
                sink.unreadable(new Unreadable(file, p.currentLocation().getLineNr(), "only \"records\" is allowed at the top level"));
            }
        } catch (JsonProcessingException e) {
            sink.unreadable(new Unreadable(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                    "malformed JSON: " + e.getOriginalMessage()
                            + " (earlier full batches of this file were loaded; the rest of it was not)"));
        }
    }
}
