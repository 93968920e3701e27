package io.cohort.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.api.error.ApiException;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.JsonNumbers;
import io.cohort.ingest.LongNumbers;
import io.cohort.record.FieldError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads request bodies within the configured limits (size, nesting depth, string length) and
 * turns every malformed body into a 4xx that says what and where.
 */
public final class JsonBodies {
    private final IngestLimits limits;
    private final ObjectMapper mapper;
    /** The mapper's reader of trees, made once (the mapper's readTree resolves the type at every call). */
    private final com.fasterxml.jackson.databind.ObjectReader nodes;

    public JsonBodies(IngestLimits limits) {
        this.limits = limits;
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxStringLength(Math.max(limits.maxStringLength() * 4, 1_000_000))
                        .maxNumberLength(io.cohort.ingest.LongNumbers.MAX_LENGTH)
                        .build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        // Numbers as sent: see JsonNumbers. The import and evaluate commands read with this mapper too.
        this.mapper = io.cohort.ingest.JsonNumbers.readingExactly(new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
        this.nodes = mapper.readerFor(JsonNode.class);
    }

    /** The body as bytes, or 413 past the size limit. */
    public byte[] read(InputStream in) {
        if (in == null) throw ApiException.badRequest("request body is required");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limits.maxBodyBytes()) throw new ApiException(413, tooLarge(limits.maxBodyBytes()));
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            if (isZip(e)) throw badGzip(e);
            throw ApiException.badRequest("could not read request body: " + e.getMessage());
        } catch (RuntimeException e) {
            // Jetty inflates Content-Encoding: gzip while we read; it wraps a ZipException in a RuntimeException.
            if (isZip(e)) throw badGzip(e);
            throw e;
        }
    }

    /** The refusal of a body over the limit: counted while read here, or declared in its Content-Length ({@link RequestChecks}). */
    static String tooLarge(long maxBodyBytes) {
        return "request body exceeds " + maxBodyBytes + " bytes (ingest.maxBodyBytes); split it into smaller batches";
    }

    private static boolean isZip(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.util.zip.ZipException) return true;
        }
        return false;
    }

    private static ApiException badGzip(Throwable e) {
        Throwable t = e;
        while (!(t instanceof java.util.zip.ZipException) && t.getCause() != null) t = t.getCause();
        return ApiException.badRequest("request body is not valid gzip (Content-Encoding: gzip): " + t.getMessage()
                + "; send the body compressed with gzip, or without Content-Encoding");
    }

    /** One JSON document. */
    public JsonNode parse(byte[] body) {
        return document(body, false);
    }

    /** @param recordsBody a canonical batch, {"records": […]}: a number too long is named by record index and field */
    private JsonNode document(byte[] body, boolean recordsBody) {
        if (body.length == 0) throw ApiException.badRequest("request body is empty");
        try {
            JsonNode n = mapper.readTree(body);
            if (n == null || n.isMissingNode()) throw ApiException.badRequest("request body is empty");
            return n;
        } catch (StreamConstraintsException e) {
            if (JsonNumbers.isTooLong(e)) {
                throw numberTooLong(LongNumbers.first(mapper.getFactory(), f -> f.createParser(body)), 0, recordsBody ? -2 : -1);
            }
            throw ApiException.badRequest(constraint(e));
        } catch (JsonProcessingException e) {
            throw badJson(e, 0);
        } catch (IOException e) {
            throw ApiException.badRequest("could not read JSON: " + withoutJacksonHints(e.getMessage()));
        }
    }

    /** The records of a canonical batch: {"records":[…]} or one JSON object per line (NDJSON). */
    public List<JsonNode> records(byte[] body, boolean ndjson) {
        if (!ndjson) {
            JsonNode n = document(body, true);
            JsonNode records = n.get("records");
            if (!n.isObject() || records == null || !records.isArray()) {
                throw new ApiException(400, "body must be {\"records\": [ … ]}",
                        List.of(new FieldError(-1, "records", "must be an array of records")));
            }
            if (n.size() > 1) {
                throw new ApiException(400, "unknown top-level field; body must be {\"records\": [ … ]}",
                        List.of(new FieldError(-1, "", "only \"records\" is allowed at the top level")));
            }
            if (records.size() > limits.maxRecordsPerBatch()) throw tooManyRecords();
            List<JsonNode> out = new ArrayList<>(records.size());
            records.forEach(out::add);
            return out;
        }
        checkUtf8(body);
        List<JsonNode> fast = oneParser(body);
        return fast != null ? fast : lineByLine(body);
    }

    /**
     * The NDJSON body's records read by one parser over its bytes, the lines' values one after
     * the other; null when the body is anything but lines of one JSON object each, within the
     * limits, for {@link #lineByLine} to read or refuse (and say where). That reading is the rule:
     * this one accepts only what it accepts, with the same values, without a String of the body,
     * a regex split or a parser a line (see GzipCheckCost for the figures). Refused here, a body costs
     * this reading up to where it stops, then the other.
     */
    List<JsonNode> oneParser(byte[] body) {
        // The parser would take a byte order mark, or zero bytes up front as UTF-16 or UTF-32: left to the lines.
        if (body.length < 4 || body[0] == (byte) 0xEF) return null;
        for (int i = 0; i < 4; i++) if (body[i] == 0) return null;
        List<JsonNode> out = new ArrayList<>();
        try (com.fasterxml.jackson.core.JsonParser p = mapper.getFactory().createParser(body)) {
            com.fasterxml.jackson.databind.MappingIterator<JsonNode> values = nodes.readValues(p);
            long end = -1;
            while (values.hasNextValue()) {
                if (p.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) return null;
                long start = p.currentTokenLocation().getByteOffset();
                // Each value on a line of its own: a line break (only whitespace, the parser skipped it) since the last.
                if (end >= 0 && !hasLineBreak(body, (int) end, (int) start)) return null;
                JsonNode n = values.nextValue();
                end = p.currentLocation().getByteOffset();
                // ... and on one line: a line break in it is whitespace between its tokens (a string holds none).
                if (start < 0 || end <= start || end > body.length || hasLineBreak(body, (int) start, (int) end)) return null;
                out.add(n);
                if (out.size() > limits.maxRecordsPerBatch()) return null;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return out.isEmpty() ? null : out;
    }

    private static boolean hasLineBreak(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) if (body[i] == '\n') return true;
        return false;
    }

    /** The NDJSON body read line by line, each line a JSON document; refusals say which line. */
    List<JsonNode> lineByLine(byte[] body) {
        String text = utf8(body);
        List<JsonNode> out = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            try {
                out.add(mapper.readTree(lines[i]));
            } catch (StreamConstraintsException e) {
                String line = lines[i];
                if (JsonNumbers.isTooLong(e)) throw numberTooLong(LongNumbers.first(mapper.getFactory(), f -> f.createParser(line)), i + 1, out.size());
                throw new ApiException(400, "line " + (i + 1) + ": " + constraint(e),
                        List.of(new FieldError(out.size(), "", parseError(e))));
            } catch (JsonProcessingException e) {
                throw badJson(e, i + 1);
            }
            if (out.size() > limits.maxRecordsPerBatch()) throw tooManyRecords();
        }
        if (out.isEmpty()) throw ApiException.badRequest("request body has no records");
        return out;
    }

    /**
     * The NDJSON body as text, refusing bytes that are not UTF-8 as the JSON body's parser does:
     * {@code new String(bytes, UTF_8)} put U+FFFD in their place, so a Latin-1 "é" in an id was
     * stored as another id, and two ids differing only there ("café", "cafè") became one record
     * (the batch answered both accepted, the store kept one).
     */
    private static String utf8(byte[] body) {
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(body.length);
        decode(body, out);
        return out.flip().toString();
    }

    /** {@link #utf8}'s check without its copy: decoded a piece at a time into a buffer reused. */
    private static void checkUtf8(byte[] body) {
        decode(body, java.nio.CharBuffer.allocate(Math.min(body.length, 16 * 1024)));
    }

    /** Decodes {@code body} into {@code out}, emptied whenever full (then only the check is kept); a 400 for bytes not UTF-8. */
    private static void decode(byte[] body, java.nio.CharBuffer out) {
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(body);
        java.nio.charset.CoderResult r;
        while ((r = decoder.decode(in, out, true)).isOverflow()) out.clear();
        if (!r.isError()) {
            while ((r = decoder.flush(out)).isOverflow()) out.clear();
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (body[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw ApiException.badRequest("malformed JSON at line " + line + ", byte " + (at - lineStart + 1)
                    + ": invalid UTF-8 (byte 0x" + String.format("%02X", body[at] & 0xFF) + "); send the body encoded as UTF-8");
        }
    }

    private ApiException tooManyRecords() {
        return new ApiException(413, "a batch holds at most " + limits.maxRecordsPerBatch()
                + " records (ingest.maxRecordsPerBatch); split it into smaller batches");
    }

    /** Which of the parser's limits was hit, named as in config.yml. */
    private String constraint(StreamConstraintsException e) {
        String m = parseError(e);
        if (m.contains("nesting depth")) {
            return "JSON nested deeper than " + limits.maxNestingDepth() + " levels (ingest.maxNestingDepth)";
        }
        if (m.contains("String value length")) {
            return "JSON string longer than the parser allows (4 x ingest.maxStringLength, at least 1,000,000 characters)";
        }
        return "JSON exceeds a parser limit: " + m;
    }

    /**
     * The 400 for a number past the parser's 100 characters, naming where as the record parser's
     * number errors do: in a canonical batch the record index and its field ("attributes.score");
     * in another document (a vendor's native payload) the path in it ("result[3].leadScore") and
     * the index of the item it is in; on an NDJSON line, the line's record.
     *
     * @param ndjsonLine the NDJSON line (1-based), 0 for a whole JSON body
     * @param index      the NDJSON line's record index; -2 for a {"records": […]} body, -1 for another document
     */
    private static ApiException numberTooLong(LongNumbers.Found where, int ndjsonLine, int index) {
        if (where == null) {
            return new ApiException(400, (ndjsonLine > 0 ? "line " + ndjsonLine + ": " : "") + LongNumbers.refusal(0));
        }
        String what = where.message();
        int record = index;
        String field;
        if (index == -2 && "records".equals(where.path().isEmpty() ? null : where.path().get(0)) && where.index(1) >= 0) {
            record = where.index(1);
            field = where.field(2);
        } else {
            if (index == -1) record = where.index(1); // the vendor's item: result[i], records[i]
            else if (index == -2) record = -1;
            field = where.field(0);
        }
        int line = ndjsonLine > 0 ? ndjsonLine : where.line();
        String at = "line " + line + ", column " + where.column();
        return new ApiException(400, "number too long at " + at + (field.isEmpty() ? "" : " (" + field + ")")
                + (record >= 0 ? " in record " + record : "") + ": " + what,
                List.of(new FieldError(record, field, what + " (at " + at + ")")));
    }

    private static ApiException badJson(JsonProcessingException e, int ndjsonLine) {
        var loc = e.getLocation();
        int line = ndjsonLine > 0 ? ndjsonLine : loc == null ? 0 : loc.getLineNr();
        int col = loc == null ? 0 : loc.getColumnNr();
        return new ApiException(400, "malformed JSON at line " + line + ", column " + col + ": " + parseError(e));
    }

    /**
     * Jackson's words for a parse error, without its advice to Jackson users: which parser feature
     * would accept the input, the Java type being read, the redacted source. A client can act on
     * none of it (the hostile-input campaign found "enable `JsonReadFeature.…` to allow").
     */
    static String parseError(JsonProcessingException e) {
        return withoutJacksonHints(String.valueOf(e.getOriginalMessage()));
    }

    /** Also for messages that only may hold Jackson's words (a framework exception's, with the location). */
    static String withoutJacksonHints(String message) {
        return message == null ? null : JACKSON_HINTS.matcher(message).replaceAll("").strip();
    }

    private static final java.util.regex.Pattern JACKSON_HINTS = java.util.regex.Pattern.compile(
            ":?\\s*(?:enable|disable|not allowed as per) `[^`]*`(?: to allow)?"
            + "|\\s*\\((?:bound as|through reference chain:) [^)]*\\)"
            + "|\\s*\\(not recognized as one since Feature '\\w+' not enabled for parser\\)"
            + "|\\s*\\(or 'NaN'/'\\+INF'/'-INF'\\)"
            + "|,? from `[^`]*`"
            + "|\\s*at \\[Source: .*", java.util.regex.Pattern.DOTALL);

    public ObjectMapper mapper() { return mapper; }

}
