package io.cohort.ingest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.math.BigDecimal;

/**
 * How every ingestion path reads JSON numbers (request bodies, imports, dropped files, vendor
 * pages): a number with a fraction or exponent is kept as the exact decimal sent, not a double.
 * Read as a double, {@code 1e400} became Infinity and was stored as the attribute "Infinity", and
 * {@code 0.10000000000000000001} or {@code 12345678.9} became "0.1" and "1.23456789E7".
 * Whether a value fits its field is {@link RecordParser}'s call, made on the exact value.
 */
public final class JsonNumbers {
    private JsonNumbers() {}

    /** Past this many decimals a number is written in E notation: {@code 1e-400} is not 400 zeros. */
    private static final int MAX_PLAIN_SCALE = 100;

    /** {@code mapper}, set to read exactly; for a mapper of ingestion's own. */
    public static ObjectMapper readingExactly(ObjectMapper mapper) {
        return mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }

    /** A reader of {@code mapper} that reads exactly, leaving a shared mapper as it is. */
    public static ObjectReader exactReader(ObjectMapper mapper) {
        return mapper.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
    }

    /**
     * A scalar as text. A number with a fraction reads back as sent when sent without an exponent
     * (its decimal places are kept: "1.10"); with one, as its exact value in plain digits or, for a
     * positive or large exponent, E notation ({@code 1e400} → "1E+400"). Null for a non-finite
     * double, which only a reader that is not exact makes (from an overflow).
     */
    public static String text(JsonNode v) {
        if (v.isBigDecimal()) return text(v.decimalValue());
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) return null;
        return v.asText();
    }

    static String text(BigDecimal d) {
        return d.scale() >= 0 && d.scale() <= MAX_PLAIN_SCALE ? d.toPlainString() : d.toString();
    }

    /**
     * A reader of vendors' pages (the pull connectors'): exact ({@link #exactReader}), and taking
     * numbers up to {@link LongNumbers#MAX_LENGTH} characters like a push; see {@link #readPage}.
     */
    public static ObjectReader pageReader(ObjectMapper mapper) {
        com.fasterxml.jackson.core.JsonFactory f = mapper.getFactory().rebuild()
                .streamReadConstraints(LongNumbers.limited(mapper.getFactory().streamReadConstraints())).build();
        return exactReader(mapper).with(f);
    }

    /**
     * A vendor's page as JSON, read by a {@link #pageReader}. A page with numbers too long
     * ({@link LongNumbers}) is read again with each of them as a {@link LongNumbers.Node}, the
     * text of its digits, for the pull to set its item aside as a push of it is refused. Refused
     * whole, the page was "unreadable" at every retry and its stream stopped there for good; read
     * as numbers, a million digits take a BigInteger half a minute.
     */
    public static JsonNode readPage(ObjectReader reader, String body) throws java.io.IOException {
        try {
            return reader.readTree(body);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            if (!isTooLong(e)) throw e;
            java.util.List<LongNumbers.Found> found = LongNumbers.find(reader.getFactory(), f -> f.createParser(body), Integer.MAX_VALUE);
            JsonNode page = reader.readTree(quoting(body, found));
            for (LongNumbers.Found f : found) LongNumbers.mark(page, f);
            return page;
        }
    }

    /** Whether Jackson refused a number for its length (its constraints say so only in the message). */
    public static boolean isTooLong(com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
        return String.valueOf(e.getOriginalMessage()).startsWith("Number value length");
    }

    /** {@code json} with each number found (in order) written as a JSON string of the same characters. */
    static String quoting(String json, java.util.List<LongNumbers.Found> found) {
        if (found.isEmpty()) return json;
        StringBuilder out = new StringBuilder(json.length() + 2 * found.size());
        int copied = 0;
        for (LongNumbers.Found f : found) {
            int from = (int) f.charOffset();
            int to = from + f.literalLength();
            out.append(json, copied, from).append('"').append(json, from, to).append('"');
            copied = to;
        }
        return out.append(json, copied, json.length()).toString();
    }

    /**
     * {@code json}, a byte source, with each number found in it (in order, {@link LongNumbers#find}
     * over the same bytes) written as a JSON string of the same characters, as {@link #quoting(String, java.util.List)}
     * does for text; streamed, for documents larger than memory.
     */
    public static java.io.InputStream quoting(java.io.InputStream json, java.util.List<LongNumbers.Found> found) {
        long[] quotes = new long[2 * found.size()]; // byte offsets a '"' goes before: each number's start and end
        for (int i = 0; i < found.size(); i++) {
            quotes[2 * i] = found.get(i).byteOffset();
            quotes[2 * i + 1] = found.get(i).byteOffset() + found.get(i).literalLength(); // a number's characters are ASCII
        }
        return new java.io.InputStream() {
            private int next;
            private long read; // bytes of json read

            @Override public int read() throws java.io.IOException {
                if (next < quotes.length && quotes[next] == read) {
                    next++;
                    return '"';
                }
                int b = json.read();
                if (b >= 0) read++;
                return b;
            }

            @Override public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (len == 0) return 0;
                if (next < quotes.length && quotes[next] == read) {
                    next++;
                    b[off] = '"';
                    return 1;
                }
                int n = json.read(b, off, next < quotes.length ? (int) Math.min(len, quotes[next] - read) : len);
                if (n > 0) read += n;
                return n;
            }

            @Override public void close() throws java.io.IOException { json.close(); }
        };
    }

    /** True for a number sent with a fraction or an exponent, which no id is. */
    static boolean isFractional(JsonNode v) {
        return v.isNumber() && !v.isIntegralNumber();
    }
}
