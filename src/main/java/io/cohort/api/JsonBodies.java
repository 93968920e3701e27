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

    public JsonBodies(IngestLimits limits) {
        this.limits = limits;
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxStringLength(Math.max(limits.maxStringLength() * 4, 1_000_000))
                        .maxNumberLength(100)
                        .build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        // Numbers as sent: see JsonNumbers. The import and evaluate commands read with this mapper too.
        this.mapper = io.cohort.ingest.JsonNumbers.readingExactly(new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
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
        if (body.length == 0) throw ApiException.badRequest("request body is empty");
        try {
            JsonNode n = mapper.readTree(body);
            if (n == null || n.isMissingNode()) throw ApiException.badRequest("request body is empty");
            return n;
        } catch (StreamConstraintsException e) {
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
            JsonNode n = parse(body);
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
        String text = utf8(body);
        List<JsonNode> out = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            try {
                out.add(mapper.readTree(lines[i]));
            } catch (StreamConstraintsException e) {
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
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(body);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(body.length);
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) r = decoder.flush(out);
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
        return out.flip().toString();
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
