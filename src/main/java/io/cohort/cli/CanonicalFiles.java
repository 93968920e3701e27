package io.cohort.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.google.common.io.CountingInputStream;
import io.cohort.ingest.JsonNumbers;
import io.cohort.ingest.LongNumbers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Canonical record files as the API takes them: {@code {"records":[…]}} in *.json, one record per
 * line in *.ndjson / *.jsonl. Read as a stream in batches, so a file may be larger than memory.
 * A line that is not JSON, or a record holding a number too long, is reported on its own and
 * left out; the rest of its batch goes on.
 */
final class CanonicalFiles {
    /** Records of a file, each with its index in the file (0-based, as in API error indexes) and the line it starts on. */
    record Batch(Path file, List<Integer> indexes, List<JsonNode> records, List<Integer> lines) {
        int index(int i) { return indexes.get(i); }

        int line(int i) { return lines.get(i); }
    }

    /** A record (or the rest of a file) that could not even be read as JSON; {@code raw} is the line when known. */
    record Unreadable(Path file, int line, int index, String message, String raw) {}

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

    /** A file's name without extension (crm-1.json → crm-1, leads.json → leads). */
    static String baseName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /**
     * A *.json file that starts {@code {"records": …}}: canonical. Anything else in a *.json
     * file is taken as a vendor's native payload.
     */
    static boolean isCanonicalJson(Path file, ObjectMapper mapper) throws IOException {
        try (JsonParser p = mapper.getFactory().createParser(file.toFile())) {
            return p.nextToken() == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME
                    && "records".equals(p.currentName());
        } catch (JsonProcessingException e) {
            return true; // malformed: read as canonical, which reports where
        }
    }

    /**
     * Where the number too long that {@code e} is about is in {@code doc}, or null when {@code e}
     * is about something else: the check a push makes ({@link LongNumbers}), and where it names.
     */
    static LongNumbers.Found tooLong(JsonProcessingException e, ObjectMapper mapper, LongNumbers.Source doc) {
        return tooLong(e) ? LongNumbers.first(mapper.getFactory(), doc) : null;
    }

    /** Whether {@code e} is Jackson refusing a number for its length. */
    private static boolean tooLong(JsonProcessingException e) {
        return e instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException c && JsonNumbers.isTooLong(c);
    }

    /** A number too long refused as the other records are: "field 'attributes.score': a number of …"; the path from step {@code from}. */
    static String reason(LongNumbers.Found f, int from) {
        return "field '" + f.field(from) + "': " + f.message() + " (at line " + f.line() + ", column " + f.column() + ")";
    }

    /** Reads the file in batches; {@code bytes} hears how far into the file reading got. */
    static void read(Path file, ObjectMapper mapper, int batchSize, Sink sink, LongConsumer bytes) throws Exception {
        try (CountingInputStream in = new CountingInputStream(Files.newInputStream(file))) {
            if (isNdjson(file)) readNdjson(file, in, mapper, batchSize, sink, bytes);
            else readJson(file, in, mapper, batchSize, sink, bytes);
        }
    }

    private static void readNdjson(Path file, CountingInputStream in, ObjectMapper mapper, int batchSize, Sink sink,
                                   LongConsumer bytes) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        int index = 0;
        // Lines as bytes, each decoded strictly: a reader replacing bad bytes with U+FFFD stored a
        // Latin-1 "café" and "cafè" as one record "caf\uFFFD" (the HTTP paths refuse such bytes).
        java.io.InputStream bytesIn = new java.io.BufferedInputStream(in, 1 << 16);
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        int lineNo = 0;
        for (byte[] raw; (raw = nextLine(bytesIn, buf)) != null; ) {
            lineNo++;
            String line;
            try {
                line = utf8.decode(java.nio.ByteBuffer.wrap(raw)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                sink.unreadable(new Unreadable(file, lineNo, index, "not UTF-8 text: save the file as UTF-8 (a legacy encoding "
                        + "such as Windows-1252 writes other bytes for accented letters)", new String(raw, StandardCharsets.UTF_8)));
                index++;
                continue;
            }
            if (line.isBlank()) continue;
            try {
                records.add(mapper.readTree(line));
                lines.add(lineNo);
                indexes.add(index);
            } catch (JsonProcessingException e) {
                String text = line;
                LongNumbers.Found f = tooLong(e, mapper, x -> x.createParser(text));
                sink.unreadable(new Unreadable(file, lineNo, index, f != null ? reason(f, 0) : "not JSON: " + e.getOriginalMessage(), line));
            }
            index++;
            if (records.size() == batchSize) {
                bytes.accept(in.getCount());
                sink.batch(new Batch(file, List.copyOf(indexes), List.copyOf(records), List.copyOf(lines)));
                records.clear();
                lines.clear();
                indexes.clear();
            }
        }
        if (!records.isEmpty()) sink.batch(new Batch(file, List.copyOf(indexes), List.copyOf(records), List.copyOf(lines)));
        bytes.accept(in.getCount());
    }

    /** The next line's bytes, without its '\n' (nor a '\r' before it); null after the last line. */
    private static byte[] nextLine(java.io.InputStream in, java.io.ByteArrayOutputStream buf) throws java.io.IOException {
        buf.reset();
        int b;
        while ((b = in.read()) != -1 && b != '\n') buf.write(b);
        if (b == -1 && buf.size() == 0) return null;
        byte[] line = buf.toByteArray();
        return line.length > 0 && line[line.length - 1] == '\r' ? java.util.Arrays.copyOf(line, line.length - 1) : line;
    }

    /**
     * {@code {"records": […]}} in batches. A record with a number too long is rejected on its own,
     * as such an NDJSON line is, and the records after it are read: Jackson stops at the number
     * without saying where, so the file is scanned for such numbers ({@link LongNumbers#find}) and
     * read again from that record with each of them quoted, its record left out. Malformed JSON
     * still ends the file: where the next record starts cannot be told.
     */
    private static void readJson(Path file, CountingInputStream in, ObjectMapper mapper, int batchSize, Sink sink,
                                 LongConsumer bytes) throws Exception {
        Batches out = new Batches(file, batchSize, sink, bytes);
        Ended end = readRecords(file, in, mapper, 0, List.of(), out);
        if (end.tooLongIn() >= 0) {
            List<LongNumbers.Found> inRecords = LongNumbers.find(mapper.getFactory(), x -> x.createParser(file.toFile()),
                    Integer.MAX_VALUE).stream().filter(f -> recordIndex(f) >= 0).toList();
            try (CountingInputStream again = new CountingInputStream(JsonNumbers.quoting(Files.newInputStream(file), inRecords))) {
                end = readRecords(file, again, mapper, end.tooLongIn(), inRecords, out);
            }
        }
        out.flush();
        if (end.broken() != null) sink.unreadable(end.broken());
        bytes.accept(in.getCount());
    }

    /**
     * How a read of the records ended: at the end of the file (both unset), at what ends the file
     * early ({@code broken}), or at a number too long in record {@code tooLongIn} (-1: none).
     */
    private record Ended(Unreadable broken, int tooLongIn) {
        static final Ended DONE = new Ended(null, -1);

        static Ended broken(Unreadable u) { return new Ended(u, -1); }
    }

    /** The record a number too long is in (its index in "records"), or -1 when outside them. */
    private static int recordIndex(LongNumbers.Found f) {
        return "records".equals(f.path().get(0)) ? f.index(1) : -1;
    }

    /**
     * Reads the records of {@code in} from index {@code from} into {@code out}; those holding a
     * number of {@code quoted} (quoted in {@code in}) are rejected. Without any quoted, a number
     * too long in a record ends the read for the caller to read again from that record.
     */
    private static Ended readRecords(Path file, CountingInputStream in, ObjectMapper mapper, int from,
                                     List<LongNumbers.Found> quoted, Batches out) throws Exception {
        Map<Integer, LongNumbers.Found> tooLong = new HashMap<>();
        for (LongNumbers.Found f : quoted) tooLong.putIfAbsent(recordIndex(f), f); // the first of each record
        try (JsonParser p = mapper.getFactory().createParser((InputStream) in)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"records".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
                return Ended.broken(new Unreadable(file, p.currentLocation().getLineNr(), -1,
                        "a .json file must be {\"records\": [ … ]}; use .ndjson for one record per line", null));
            }
            // Reading one element of a stream: what follows it is the next element, not trailing garbage.
            ObjectReader element = mapper.readerFor(JsonNode.class).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
            try {
                for (int index = 0; p.nextToken() != JsonToken.END_ARRAY; index++) {
                    int line = p.currentLocation().getLineNr();
                    if (index < from) {
                        p.skipChildren(); // handed on before the file was read again
                        continue;
                    }
                    JsonNode node = element.readValue(p);
                    LongNumbers.Found f = tooLong.get(index);
                    if (f != null) out.sink().unreadable(new Unreadable(file, line, index, reason(f, 2), null));
                    else out.add(index, node, line, in.getCount());
                }
                if (p.nextToken() != JsonToken.END_OBJECT) {
                    return Ended.broken(new Unreadable(file, p.currentLocation().getLineNr(), -1,
                            "only \"records\" is allowed at the top level", null));
                }
                return Ended.DONE;
            } catch (JsonProcessingException e) {
                // Those quoted are no longer numbers: the one that ended this read comes after them.
                List<LongNumbers.Found> found = tooLong(e) ? LongNumbers.find(mapper.getFactory(),
                        x -> x.createParser(file.toFile()), quoted.size() + 1) : List.of();
                LongNumbers.Found f = found.size() > quoted.size() ? found.get(quoted.size()) : null;
                if (f != null && recordIndex(f) >= 0 && quoted.isEmpty()) return new Ended(null, recordIndex(f));
                String why = f == null ? "malformed JSON: " + e.getOriginalMessage() : reason(f, recordIndex(f) >= 0 ? 2 : 0);
                return Ended.broken(new Unreadable(file, f != null ? f.line() : e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                        f != null ? recordIndex(f) : -1, why + " (the records before it were read; the rest of the file was not)", null));
            }
        } catch (JsonProcessingException e) { // before the first record
            return Ended.broken(new Unreadable(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(), -1,
                    "malformed JSON: " + e.getOriginalMessage(), null));
        }
    }

    /** Records read, handed on {@code batchSize} at a time. */
    private static final class Batches {
        private final Path file;
        private final int batchSize;
        private final Sink sink;
        private final LongConsumer bytes;
        private final List<JsonNode> records = new ArrayList<>();
        private final List<Integer> lines = new ArrayList<>();
        private final List<Integer> indexes = new ArrayList<>();

        Batches(Path file, int batchSize, Sink sink, LongConsumer bytes) {
            this.file = file;
            this.batchSize = batchSize;
            this.sink = sink;
            this.bytes = bytes;
        }

        Sink sink() { return sink; }

        void add(int index, JsonNode record, int line, long position) throws Exception {
            records.add(record);
            lines.add(line);
            indexes.add(index);
            if (records.size() == batchSize) {
                bytes.accept(position);
                flush();
            }
        }

        void flush() throws Exception {
            if (records.isEmpty()) return;
            sink.batch(new Batch(file, List.copyOf(indexes), List.copyOf(records), List.copyOf(lines)));
            records.clear();
            lines.clear();
            indexes.clear();
        }
    }
}
