package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The data types of an instance's lead fields, from Describe Lead ({@code GET
 * /rest/v1/leads/describe.json}: each field's {@code dataType} and its REST name), so that a bulk
 * export row, where every value is text, reads as the JSON a REST read of the same lead gives.
 * Read as text, a number REST sets aside (too long) was stored, and a lead's digest
 * ({@link MarketoConnector#version}) differed with the path it came by.
 */
final class LeadFieldTypes {
    /** Marketo's numeric data types: REST answers them as JSON numbers. */
    private static final Set<String> NUMERIC = Set.of("integer", "float", "currency", "score");
    /** A JSON number literal: what REST would have written for the value. */
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private final Map<String, String> types;

    private LeadFieldTypes(Map<String, String> types) { this.types = types; }

    /** From a Describe Lead answer; fields without a {@code rest} name are not readable by REST or export. */
    static LeadFieldTypes of(JsonNode describe) {
        Map<String, String> types = new HashMap<>();
        for (JsonNode f : describe.path("result")) {
            String name = f.path("rest").path("name").asText(null);
            String type = f.path("dataType").asText(null);
            if (name != null && type != null) types.put(name, type);
        }
        return new LeadFieldTypes(types);
    }

    /**
     * One export row as the JSON text of the lead REST answers: a value of a numeric field that is
     * a number literal is that number, {@code true}/{@code false} (any case) or {@code 1}/{@code 0}
     * of a boolean field a boolean, an empty value or {@code null} (how Marketo writes a value the
     * lead does not have) JSON null, anything else a string. Read by the page reader
     * ({@link MarketoApi#readAsPage}), a number is then exactly what the REST value would be, and
     * one too long is marked to be set aside the same way.
     */
    String asJson(Map<String, String> row) {
        JsonStringEncoder enc = JsonStringEncoder.getInstance();
        StringBuilder out = new StringBuilder(64 * row.size()).append('{');
        for (var e : row.entrySet()) {
            if (out.length() > 1) out.append(',');
            out.append('"').append(enc.quoteAsString(e.getKey())).append("\":");
            String v = e.getValue();
            String type = types.getOrDefault(e.getKey(), "");
            if (v == null || v.isEmpty() || v.equals("null")) {
                out.append("null");
            } else if (NUMERIC.contains(type) && JSON_NUMBER.matcher(v).matches()) {
                out.append(v);
            } else if (type.equals("boolean") && (v.equalsIgnoreCase("true") || v.equals("1"))) {
                out.append("true");
            } else if (type.equals("boolean") && (v.equalsIgnoreCase("false") || v.equals("0"))) {
                out.append("false");
            } else {
                out.append('"').append(enc.quoteAsString(v)).append('"');
            }
        }
        return out.append('}').toString();
    }
}
