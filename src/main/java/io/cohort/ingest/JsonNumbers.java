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

    /** True for a number sent with a fraction or an exponent, which no id is. */
    static boolean isFractional(JsonNode v) {
        return v.isNumber() && !v.isIntegralNumber();
    }
}
