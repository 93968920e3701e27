package io.cohort.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.RecordType;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;

/**
 * Small building blocks shared by the {@link NativeMapper}s. They only move and rename values;
 * checking them is {@link RecordParser}'s job, so a bad vendor value surfaces as the same
 * field error a canonical record would get.
 */
public final class NativeJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** Offsets without a colon ("+0000"), as Marketo and Salesforce write them. */
    private static final DateTimeFormatter COMPACT_OFFSET =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss[.SSS]XX", Locale.ROOT);

    private NativeJson() {}

    /** A new canonical record of the given wire type. */
    public static ObjectNode record(RecordType type) {
        ObjectNode n = F.objectNode();
        n.put("type", type.wireName());
        return n;
    }

    /** A canonical delete: the type, the key fields and {@code "deleted": true}. */
    public static ObjectNode delete(RecordType type, String... keyValues) {
        ObjectNode n = record(type);
        for (int i = 0; i < keyValues.length; i++) n.put(type.keyFields().get(i), keyValues[i]);
        n.put("deleted", true);
        return n;
    }

    /** {"source": …, "id": …}, the canonical form of a reference to another source's record. */
    public static ObjectNode ref(String source, String id) {
        ObjectNode n = F.objectNode();
        n.put("source", source);
        n.put("id", id);
        return n;
    }

    /** Copies {@code from.get(vendorField)} to {@code to.field} when present and not null. */
    public static void copy(JsonNode from, String vendorField, ObjectNode to, String field) {
        JsonNode v = from.get(vendorField);
        if (v != null && !v.isNull()) to.set(field, v);
    }

    /** The value as text, or null when absent, null or blank. Numbers become their text ({@link JsonNumbers#text}). */
    public static String text(JsonNode from, String field) {
        JsonNode v = from.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) return null;
        String s = JsonNumbers.text(v);
        return s == null || s.isBlank() ? null : s;
    }

    /**
     * Every scalar field of {@code item} not in {@code consumed}, as canonical attributes.
     * Nested objects and arrays (relationship objects, "attributes" metadata) are left out:
     * canonical attributes are flat scalars.
     */
    public static ObjectNode attributes(JsonNode item, Set<String> consumed) {
        ObjectNode out = F.objectNode();
        item.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (!consumed.contains(e.getKey()) && v.isValueNode() && !v.isNull()) {
                out.set(e.getKey(), v); // as sent: the parser writes numbers as text, and refuses what is no number
            }
        });
        return out;
    }

    /** Sets "attributes" only when there is at least one. */
    public static void putAttributes(ObjectNode record, ObjectNode attributes) {
        if (attributes.size() > 0) record.set("attributes", attributes);
    }

    /**
     * A vendor timestamp in the canonical ISO-8601 form. Vendors also write "+0000" offsets,
     * which {@link OffsetDateTime#parse} rejects; anything unreadable is passed through as-is so
     * the parser reports it with its field name.
     */
    public static String timestamp(String raw) {
        if (raw == null) return null;
        try {
            return OffsetDateTime.parse(raw).toInstant().toString();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(raw, COMPACT_OFFSET).toInstant().toString();
            } catch (DateTimeParseException e2) {
                return raw;
            }
        }
    }

    /** A date field: date-only values pass unchanged, datetimes are normalized like {@link #timestamp}. */
    public static String date(String raw) {
        return raw == null || raw.length() <= 10 ? raw : timestamp(raw);
    }

    /** "https://www.Townsend.com/about" → "townsend.com"; null when there is no host. */
    public static String domain(String website) {
        if (website == null) return null;
        String s = website.trim().toLowerCase(Locale.ROOT);
        int scheme = s.indexOf("://");
        if (scheme >= 0) s = s.substring(scheme + 3);
        for (char c : new char[] {'/', '?', '#', ':'}) {
            int i = s.indexOf(c);
            if (i >= 0) s = s.substring(0, i);
        }
        if (s.startsWith("www.")) s = s.substring(4);
        return s.isBlank() ? null : s;
    }

    /** A short description of a JSON node's kind, for error messages. */
    public static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> v.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
