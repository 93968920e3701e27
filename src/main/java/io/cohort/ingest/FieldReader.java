package io.cohort.ingest;

import static io.cohort.ingest.RecordParser.BAD_ID_CHARACTERS;
import static io.cohort.ingest.RecordParser.FRACTIONAL_ID;
import static io.cohort.ingest.RecordParser.LONE_SURROGATE;
import static io.cohort.ingest.RecordParser.MAX_EMAIL_LENGTH;
import static io.cohort.ingest.RecordParser.MAX_YEAR;
import static io.cohort.ingest.RecordParser.MIN_YEAR;
import static io.cohort.ingest.RecordParser.NUL;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.record.FieldError;
import io.cohort.record.RecordKey;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the fields of one record by name, each as its kind of value (ids, text, numbers, dates,
 * instants, attributes), adding errors to the shared list.
 */
final class FieldReader {
    private static final Instant EARLIEST = LocalDate.of(MIN_YEAR, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
    private static final Instant AFTER_LATEST = LocalDate.of(MAX_YEAR + 1, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();

    private final int index;
    private final JsonNode node;
    private final List<FieldError> errors;
    private final IngestLimits limits;
    private final int errorsBefore;
    /** Reads data stored earlier: see {@link RecordParser#forStored()}. */
    private final boolean stored;

    FieldReader(int index, JsonNode node, List<FieldError> errors, IngestLimits limits, boolean stored) {
        this.index = index;
        this.node = node;
        this.errors = errors;
        this.limits = limits;
        this.stored = stored;
        this.errorsBefore = errors.size();
    }

    /** False (with an error) when {@code s} holds a lone surrogate or a format character; see {@link RecordParser#BAD_ID_CHARACTERS}. */
    boolean idCharacters(String field, String s) {
        if (stored) return true; // as it was accepted: forStored()
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int category = Character.getType(c); // a paired surrogate is read as one code point
            if (category == Character.SURROGATE || category == Character.FORMAT) {
                error(field, BAD_ID_CHARACTERS + ": " + String.format("U+%04X", c) + " at character " + (i + 1));
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }

    /** Where {@code s} holds a surrogate that is not half of a pair, or -1 (always -1 for stored data: see {@link RecordParser#forStored()}). */
    private int loneSurrogate(String s) {
        if (stored) return -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++; // a pair: one character beyond U+FFFF
            } else {
                return i;
            }
        }
        return -1;
    }

    private static String surrogateAt(String s, int at) {
        return LONE_SURROGATE + ": " + String.format("U+%04X", (int) s.charAt(at)) + " at character " + (at + 1);
    }

    String email() {
        String e = string("email");
        if (e == null) return null;
        if (e.trim().length() > MAX_EMAIL_LENGTH) {
            error("email", "is " + e.trim().length() + " characters; an email address has at most " + MAX_EMAIL_LENGTH);
            return null;
        }
        String n = e.trim().toLowerCase(java.util.Locale.ROOT);
        if (!stored && n.length() > MAX_EMAIL_LENGTH) {
            // The address is matched, and stored with memberships, in lower case, which can be longer
            // ("\u0130" is "i\u0307"): 306 characters as sent were 606 there, too long for the column.
            error("email", "is " + n.length() + " characters in lower case, as it is matched and stored; an email address has at most "
                    + MAX_EMAIL_LENGTH);
            return null;
        }
        int at = n.indexOf('@');
        if (at <= 0 || at != n.lastIndexOf('@') || at == n.length() - 1 || n.contains(" ")) {
            error("email", "not an email address: '" + abbreviate(e) + "'");
            return null;
        }
        return e.trim();
    }

    String currency() {
        String c = string("currency");
        if (c == null) return "USD";
        if (!c.matches("[A-Za-z]{3}")) {
            error("currency", "must be an ISO-4217 code such as USD, got '" + abbreviate(c) + "'");
            return null;
        }
        return c.toUpperCase(java.util.Locale.ROOT);
    }

    String string(String field) { return string(field, false); }

    /** A key field or a reference to one: at most {@link RecordKey#MAX_ID_LENGTH}, so that every key fits the store. */
    String id(String field, boolean required) {
        if (!stored && JsonNumbers.isFractional(node.path(field))) {
            error(field, FRACTIONAL_ID + ", got " + JsonNumbers.text(node.get(field)));
            return null;
        }
        String s = scalar(field, required); // ids check their characters more strictly than text
        if (s != null && s.length() > RecordKey.MAX_ID_LENGTH) {
            error(field, "is " + s.length() + " characters; ids may be at most " + RecordKey.MAX_ID_LENGTH + " characters");
            return null;
        }
        if (s != null && !idCharacters(field, s)) return null;
        return s;
    }

    String string(String field, boolean required) {
        String s = scalar(field, required);
        int at = s == null ? -1 : loneSurrogate(s);
        if (at >= 0) {
            error(field, surrogateAt(s, at));
            return null;
        }
        return s;
    }

    /** A string or number as text, within the length limit, without NUL; text and ids check their characters on top. */
    private String scalar(String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) error(field, "is required");
            return null;
        }
        // Ids often arrive as numbers (Marketo lead ids): accept scalars, reject structures.
        if (!v.isTextual() && !v.isNumber()) {
            error(field, "must be a string, got " + kind(v));
            return null;
        }
        String s = numberAsText(node, field, v);
        if (s == null) {
            error(field, "must be a finite number");
            return null;
        }
        if (s.indexOf('\u0000') >= 0) {
            error(field, NUL);
            return null;
        }
        if (s.length() > limits.maxStringLength()) {
            error(field, "is " + s.length() + " characters; at most " + limits.maxStringLength() + " allowed (ingest.maxStringLength)");
            return null;
        }
        if (required && s.isBlank()) {
            error(field, "must not be blank");
            return null;
        }
        return s;
    }

    Boolean bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (v.isBoolean()) return v.booleanValue();
        if (v.isTextual() && (v.asText().equalsIgnoreCase("true") || v.asText().equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(v.asText());
        }
        error(field, "must be true or false, got " + kind(v));
        return null;
    }

    /**
     * A number within a double's range, read from its exact value: a double read 1e400 as Infinity
     * and 1e-400 as 0, and Double.parseDouble took "0x10", "12d" and "NaN" for numbers.
     */
    Double number(String field) {
        BigDecimal x = decimal(field);
        if (x == null) return null;
        if (x.signum() < 0) {
            error(field, "must not be negative");
            return null;
        }
        double d = x.doubleValue();
        if (Double.isInfinite(d)) {
            error(field, "is " + abbreviate(JsonNumbers.text(x)) + ", past the largest number stored (" + Double.MAX_VALUE + ")");
            return null;
        }
        if (d == 0 && x.signum() != 0) {
            error(field, "is " + abbreviate(JsonNumbers.text(x)) + ", too close to 0 to be stored as other than 0 (the smallest is "
                    + Double.MIN_VALUE + ")");
            return null;
        }
        return d;
    }

    /** A whole number read exactly, not through a double: 2^63 equalled Long.MAX_VALUE there and was stored clamped. */
    Long wholeNumber(String field) {
        BigDecimal x = decimal(field);
        if (x == null) return null;
        if (x.signum() < 0) {
            error(field, "must not be negative");
            return null;
        }
        try {
            return x.longValueExact();
        } catch (ArithmeticException e) {
            double d = x.doubleValue();
            if (stored && d == Math.rint(d) && d <= Long.MAX_VALUE) return (long) d; // as read before: forStored()
            error(field, "must be a whole number from 0 to " + Long.MAX_VALUE + ", got '" + abbreviate(JsonNumbers.text(x)) + "'");
            return null;
        }
    }

    /** The exact value of a number, or of a string holding a decimal number (no hex, "NaN", "Infinity" nor Java's "12d"). */
    private BigDecimal decimal(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (v.isNumber()) {
            if (!v.isBigDecimal() && !Double.isFinite(v.doubleValue())) {
                error(field, "must be a finite number");
                return null;
            }
            return v.decimalValue();
        }
        if (!v.isTextual()) {
            error(field, "must be a number, got " + kind(v));
            return null;
        }
        try {
            return new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            error(field, "must be a decimal number such as 1250.5 or 1.25e3, got '" + abbreviate(v.asText()) + "'");
            return null;
        }
    }

    /**
     * A scalar's text; a number sent with a fraction or exponent is also written back into the record
     * as that text. The ingest log keeps the record as sent, and cluster workers read it with JSON
     * settings of their own: as text it reads the same everywhere. Stored data reads as before.
     */
    private String numberAsText(JsonNode container, String name, JsonNode v) {
        if (stored || !v.isNumber()) return v.asText();
        String s = JsonNumbers.text(v);
        if (s == null) return null; // a double past its range: the caller says so
        if (JsonNumbers.isFractional(v)) ((com.fasterxml.jackson.databind.node.ObjectNode) container).put(name, s);
        return s;
    }

    /**
     * A date, or an instant reduced to its UTC date: the Marketo mapper passes vendor datetimes
     * on as instants. Those are read and range-checked like every other instant; Instant.parse
     * took 24:00 and instants too far out for a date (a DateTimeException, answered 500).
     */
    LocalDate date(String field) {
        String s = string(field);
        if (s == null) return null;
        String expected = "must be a date YYYY-MM-DD (or an ISO-8601 instant, taken as its UTC date) in the years "
                + MIN_YEAR + " to " + MAX_YEAR + ", got '" + abbreviate(s) + "'";
        if (s.length() > 10) {
            Instant t = parseInstant(s);
            if (t == null && stored) t = instantAsBefore(s);
            if (t == null || !inYears(t)) {
                error(field, expected);
                return null;
            }
            return LocalDate.ofInstant(t, ZoneOffset.UTC);
        }
        LocalDate d;
        try {
            d = LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            error(field, expected);
            return null;
        }
        if (d.getYear() < MIN_YEAR || d.getYear() > MAX_YEAR) {
            error(field, "must be a date in the years " + MIN_YEAR + " to " + MAX_YEAR + ", got '" + abbreviate(s) + "'");
            return null;
        }
        return d;
    }

    Instant optionalInstant(String field) { return instant(field, false); }

    Instant instant(String field) { return instant(field, true); }

    private Instant instant(String field, boolean required) {
        String s = string(field, required);
        if (s == null) return null;
        Instant t = parseInstant(s);
        if (t == null) {
            error(field, "must be an ISO-8601 instant such as 2026-11-02T10:15:00Z, got '" + abbreviate(s) + "'");
            return null;
        }
        if (!inYears(t)) {
            error(field, "must be an instant in the years " + MIN_YEAR + " to " + MAX_YEAR + " (UTC), got '" + abbreviate(s) + "'");
            return null;
        }
        return t;
    }

    /** The one reading of instants, for instant fields and dates sent as instants; null when unreadable. */
    static Instant parseInstant(String s) {
        Instant t = utcSeconds(s);
        if (t != null) return t;
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The form nearly every instant is sent in, {@code 2026-11-02T10:15:00Z}, read by hand: the
     * formatter took half of record parsing's time. Null for any other text, and for fields out
     * of range (month 13, February 30, hour 24, second 60), which the formatter then reads or
     * refuses as it always did; what this reads, the formatter reads the same.
     */
    private static Instant utcSeconds(String s) {
        if (s.length() != 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(19) != 'Z') return null;
        int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
        int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
        if (day > java.time.Month.of(month).length(java.time.Year.isLeap(year))) return null;
        return Instant.ofEpochSecond(LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600 + minute * 60 + second);
    }

    /** The number written by {@code length} ASCII digits at {@code from}; -1 when one is not such a digit. */
    private static int digits(String s, int from, int length) {
        int n = 0;
        for (int i = from; i < from + length; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** How dates sent as instants were read before: Instant.parse also took T24:00 and leap seconds (forStored()). */
    private static Instant instantAsBefore(String s) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static boolean inYears(Instant t) {
        return !t.isBefore(EARLIEST) && t.isBefore(AFTER_LATEST);
    }

    Map<String, String> attributes() {
        JsonNode v = node.get("attributes");
        if (v == null || v.isNull()) return Map.of();
        if (!v.isObject()) {
            error("attributes", "must be an object of scalar values, got " + kind(v));
            return Map.of();
        }
        if (v.size() > limits.maxAttributes()) {
            error("attributes", "at most " + limits.maxAttributes() + " attributes (ingest.maxAttributes), got " + v.size());
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            String f = "attributes." + e.getKey();
            String text = e.getValue().isValueNode() ? numberAsText(v, e.getKey(), e.getValue()) : null;
            if (e.getKey().length() > limits.maxStringLength()) {
                error("attributes", "attribute name longer than " + limits.maxStringLength() + " (ingest.maxStringLength)");
            } else if (e.getValue().isNull()) {
                continue;
            } else if (!e.getValue().isValueNode()) {
                error(f, "must be a string, number or boolean, got " + kind(e.getValue()));
            } else if (text == null) {
                error(f, "must be a finite number");
            } else if (e.getKey().indexOf('\u0000') >= 0 || text.indexOf('\u0000') >= 0) {
                error(f, NUL);
            } else if (loneSurrogate(e.getKey()) >= 0) {
                // Not named by its path: the path would hold the broken name itself.
                error("attributes", "an attribute name " + surrogateAt(e.getKey(), loneSurrogate(e.getKey())));
            } else if (loneSurrogate(text) >= 0) {
                error(f, surrogateAt(text, loneSurrogate(text)));
            } else if (text.length() > limits.maxStringLength()) {
                error(f, "at most " + limits.maxStringLength() + " characters allowed (ingest.maxStringLength)");
            } else {
                out.put(e.getKey(), text);
            }
        }
        return Map.copyOf(out);
    }

    boolean hasNewErrors() { return errors.size() > errorsBefore; }

    void error(String field, String message) {
        errors.add(new FieldError(index, field, message));
    }

    private static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
