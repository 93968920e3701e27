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
     * A vendor's page as JSON (the pull connectors'); one with a number past the reader's length
     * limit is read again with such numbers as text ({@link #quotingLongNumbers}): refused, the
     * page was "unreadable" at every retry and its stream stopped there for good.
     */
    public static JsonNode readPage(ObjectReader reader, String body) throws java.io.IOException {
        try {
            return reader.readTree(body);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            if (!isTooLong(e)) throw e;
            return reader.readTree(quotingLongNumbers(body, reader.getFactory().streamReadConstraints().getMaxNumberLength()));
        }
    }

    /** Whether Jackson refused a number for its length (its constraints say so only in the message). */
    public static boolean isTooLong(com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
        return String.valueOf(e.getOriginalMessage()).startsWith("Number value length");
    }

    /**
     * {@code json} with every number literal longer than {@code maxLength} characters written as a
     * JSON string of the same digits. For a vendor's page that the reader refuses whole for one
     * such number (Jackson's StreamReadConstraints, 1,000 characters by default; converting a
     * million digits takes a BigInteger half a minute): the page must be read, or that one record
     * stops its stream at every retry. As text the value is kept exactly as an attribute, and a
     * number field refuses it like any text that is no number it can hold. Linear; strings are
     * skipped as JSON writes them (escapes included).
     */
    public static String quotingLongNumbers(String json, int maxLength) {
        StringBuilder out = null;
        int copied = 0;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                for (i++; i < json.length() && json.charAt(i) != '"'; i++) {
                    if (json.charAt(i) == '\\') i++;
                }
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                int end = i + 1;
                while (end < json.length() && isNumberChar(json.charAt(end))) end++;
                if (end - i > maxLength) {
                    if (out == null) out = new StringBuilder(json.length() + 16);
                    out.append(json, copied, i).append('"').append(json, i, end).append('"');
                    copied = end;
                }
                i = end - 1;
            }
        }
        return out == null ? json : out.append(json, copied, json.length()).toString();
    }

    private static boolean isNumberChar(char c) {
        return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }

    /** True for a number sent with a fraction or an exponent, which no id is. */
    static boolean isFractional(JsonNode v) {
        return v.isNumber() && !v.isIntegralNumber();
    }
}
