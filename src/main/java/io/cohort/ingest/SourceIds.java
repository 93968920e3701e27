package io.cohort.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.RecordType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Puts the ids of a batch's records, and its references to other sources' records, in the form
 * their source keeps ({@link SourceFactory#canonicalId()}), before the batch is parsed, stored and
 * journaled: so the store, the ingest log and every replay of them hold that form, and a record
 * sent with either form of an id is one record, found by references in either form.
 */
public final class SourceIds {
    /** Each type's id fields ({@code id} and {@code …Id}): the ids of the source's own records. */
    private static final Map<RecordType, List<String>> ID_FIELDS = new java.util.EnumMap<>(RecordType.class);

    static {
        for (RecordType t : RecordType.values()) {
            ID_FIELDS.put(t, t.fields().stream().filter(f -> f.equals("id") || f.endsWith("Id")).toList());
        }
    }

    private final Map<String, UnaryOperator<String>> forms = new HashMap<>();

    public SourceIds(Map<String, SourceFactory> sources) {
        sources.forEach((id, f) -> f.canonicalId().ifPresent(form -> forms.put(id, form)));
    }

    /** Rewrites {@code records} (canonical JSON sent by {@code sourceId}) in place; what is not an object is left to the parser. */
    public void canonicalize(String sourceId, List<JsonNode> records) {
        if (forms.isEmpty()) return;
        UnaryOperator<String> own = forms.get(sourceId);
        for (JsonNode n : records) {
            if (!(n instanceof ObjectNode r)) continue;
            if (own != null) {
                RecordType.fromWire(r.path("type").asText()).ifPresent(t -> ID_FIELDS.get(t).forEach(f -> rewrite(r, f, own)));
            }
            reference(r.get("sameAs"));
            JsonNode accounts = r.get("accounts");
            if (accounts != null && accounts.isArray()) accounts.forEach(this::reference);
        }
    }

    /** A reference {"source", "id"} to a source with a form of its own. */
    private void reference(JsonNode ref) {
        if (!(ref instanceof ObjectNode o) || !o.path("source").isTextual()) return;
        UnaryOperator<String> form = forms.get(o.get("source").asText());
        if (form != null) rewrite(o, "id", form);
    }

    private static void rewrite(ObjectNode o, String field, UnaryOperator<String> form) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) return;
        String canonical = form.apply(v.asText());
        if (!canonical.equals(v.asText())) o.put(field, canonical);
    }
}
