package io.cohort.analyst;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.sandbox.FactCatalog;
import io.cohort.record.RecordType;
import io.cohort.store.RecordStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The values a field really holds, most frequent first ({@code GET /v1/fields/{type}.{field}/values},
 * the {@code fields} command): stages, event types, industries, campaign types, attribute names and
 * values, as the sources sent them. Counted over the stored source records of the field's record
 * type, so a record two sources state counts twice; that is what an analyst needs to write
 * {@code stage == "…"} exactly.
 *
 * <p>Text and true/false fields only (ids, amounts and dates have too many values to list). A
 * count reads every stored record of the type, so one runs at a time and a result is reused until
 * the next batch is stored; at most {@value #MAX_DISTINCT} distinct values are tracked.
 */
public final class FieldValues {
    static final int MAX_DISTINCT = 10_000;
    public static final int MAX_LIMIT = 200;

    /** Where a fact field's values come from: a record type and its JSON field. */
    private record Origin(RecordType type, String field) {}

    private static final Map<String, Origin> ORIGINS = origins();

    /** @param value the value as the source sent it (booleans as "true"/"false") */
    public record ValueCount(String value, long count) {}

    /**
     * @param records  stored records of the type read
     * @param missing  of those, how many have no value (null or absent)
     * @param distinct distinct values found (at most {@value #MAX_DISTINCT} tracked)
     * @param capped   more distinct values exist than were tracked: counts are of the first ones met
     */
    public record Values(String field, String recordType, long records, long missing, int distinct, boolean capped,
                         List<ValueCount> values) {}

    /** A field that does not exist, or whose values are not listed; the message says what to ask instead. */
    public static final class FieldException extends RuntimeException {
        private final boolean unknown;

        FieldException(String message, boolean unknown) {
            super(message);
            this.unknown = unknown;
        }

        /** True when the type or field does not exist (404); false when it exists but is not countable (400). */
        public boolean unknown() { return unknown; }
    }

    /** Another count is running. */
    public static final class BusyException extends RuntimeException {
        BusyException() { super("another field count is running; try again in a moment"); }
    }

    private record Cached(long batch, Values values) {}

    private final RecordStore store;
    private final ObjectMapper mapper;
    private final Semaphore running = new Semaphore(1);
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public FieldValues(RecordStore store, ObjectMapper mapper) {
        this.store = store;
        this.mapper = mapper;
    }

    /** "Type.field" of every field whose values can be listed ("Opportunity.attributes.&lt;name&gt;" for attribute values). */
    public static List<String> countable() { return List.copyOf(ORIGINS.keySet()); }

    /**
     * @param path  "Opportunity.stage", "Opportunity.attributes" (attribute names) or
     *              "Opportunity.attributes.Type" (values of one attribute)
     * @param limit how many values to return, 1 to {@value #MAX_LIMIT}
     */
    public Values count(String path, int limit) {
        Resolved r = resolve(path);
        if (!running.tryAcquire()) throw new BusyException();
        try {
            long batch = store.lastBatchSeq();
            Cached c = cache.get(r.key);
            Values all = c != null && c.batch == batch ? c.values : scan(r);
            if (c == null || c.batch != batch) {
                if (cache.size() > 200) cache.clear();
                cache.put(r.key, new Cached(batch, all));
            }
            return new Values(all.field(), all.recordType(), all.records(), all.missing(), all.distinct(), all.capped(),
                    all.values().subList(0, Math.min(limit, all.values().size())));
        } finally {
            running.release();
        }
    }

    /** The origin of a path, and for attributes which one (null: the names). */
    private record Resolved(String key, Origin origin, boolean attributes, String attribute) {}

    static Resolved resolve(String path) {
        int dot = path.indexOf('.');
        String typeName = dot < 0 ? path : path.substring(0, dot);
        var types = FactCatalog.types();
        var type = FactCatalog.type(typeName).orElseThrow(() -> new FieldException("unknown fact type '" + shorten(typeName) + "'"
                + FactCatalog.suggest(typeName, types.stream().map(FactCatalog.FactType::name).toList()) + "; types: "
                + String.join(", ", types.stream().map(FactCatalog.FactType::name).toList()), true));
        if (dot < 0 || dot == path.length() - 1) {
            throw new FieldException("name a field: " + typeName + ".<field>, one of " + fieldNames(type), true);
        }
        String field = path.substring(dot + 1);
        String first = field.contains(".") ? field.substring(0, field.indexOf('.')) : field;
        if (type.field(first).isEmpty()) {
            throw new FieldException(typeName + " has no field '" + shorten(first) + "'" + FactCatalog.suggest(first,
                    type.fields().stream().map(FactCatalog.Field::name).toList()) + "; its fields: " + fieldNames(type), true);
        }
        if (first.equals("attributes") && ORIGINS.containsKey(typeName + ".attributes")) {
            Origin o = ORIGINS.get(typeName + ".attributes");
            String attribute = field.length() > "attributes.".length() ? field.substring("attributes.".length()) : null;
            return new Resolved(typeName + ".attributes" + (attribute == null ? "" : "\u0000" + attribute), o, true, attribute);
        }
        Origin o = ORIGINS.get(typeName + "." + field);
        if (o == null) {
            List<String> listed = ORIGINS.keySet().stream().filter(k -> k.startsWith(typeName + ".")).toList();
            throw new FieldException(typeName + "." + shorten(field) + " is a " + type.field(first).orElseThrow().type()
                    + " field whose values are not listed (ids, numbers and dates have too many); listed for "
                    + typeName + ": " + (listed.isEmpty() ? "none" : String.join(", ", listed)), false);
        }
        return new Resolved(typeName + "." + field, o, false, null);
    }

    private Values scan(Resolved r) {
        Map<String, long[]> counts = new HashMap<>();
        long[] totals = new long[2]; // records, missing
        boolean[] capped = {false};
        store.payloads(r.origin.type().wireName(), json -> {
            totals[0]++;
            JsonNode node;
            try {
                node = mapper.readTree(json);
            } catch (java.io.IOException e) {
                totals[1]++;
                return;
            }
            JsonNode v = node.get(r.origin.field());
            if (r.attributes && r.attribute == null) {
                if (v == null || !v.isObject() || v.isEmpty()) totals[1]++;
                else v.fieldNames().forEachRemaining(n -> add(counts, n, capped));
                return;
            }
            if (r.attributes) v = v == null ? null : v.get(r.attribute);
            if (v == null || v.isNull() || !v.isValueNode()) totals[1]++;
            else add(counts, v.asText(), capped);
        });
        List<ValueCount> values = new ArrayList<>(counts.size());
        counts.forEach((v, n) -> values.add(new ValueCount(v, n[0])));
        values.sort(Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value));
        String field = r.key.replace('\u0000', '.');
        return new Values(field, r.origin.type().wireName(), totals[0], totals[1], values.size(), capped[0],
                List.copyOf(values.subList(0, Math.min(MAX_LIMIT, values.size()))));
    }

    private static void add(Map<String, long[]> counts, String value, boolean[] capped) {
        long[] n = counts.get(value);
        if (n != null) {
            n[0]++;
        } else if (counts.size() < MAX_DISTINCT) {
            counts.put(value, new long[] {1});
        } else {
            capped[0] = true;
        }
    }

    private static String fieldNames(FactCatalog.FactType t) {
        return String.join(", ", t.fields().stream().map(FactCatalog.Field::name).toList());
    }

    private static String shorten(String s) { return s.length() <= 80 ? s : s.substring(0, 77) + "..."; }

    private static Map<String, Origin> origins() {
        Map<String, Origin> m = new LinkedHashMap<>();
        put(m, "Person", RecordType.PERSON, "title", "country", "emailOptOut", "attributes");
        put(m, "Account", RecordType.ACCOUNT, "industry", "country", "domain", "name", "attributes");
        put(m, "AccountPerson", RecordType.ACCOUNT_PERSON, "role", "attributes");
        put(m, "Opportunity", RecordType.OPPORTUNITY, "stage", "currency", "name", "attributes");
        m.put("Opportunity.won", new Origin(RecordType.OPPORTUNITY, "isWon"));
        m.put("Opportunity.closed", new Origin(RecordType.OPPORTUNITY, "isClosed"));
        put(m, "OpportunityPerson", RecordType.OPPORTUNITY_PERSON, "role", "attributes");
        m.put("Campaign.type", new Origin(RecordType.CAMPAIGN, "campaignType"));
        put(m, "Campaign", RecordType.CAMPAIGN, "status", "name", "attributes");
        put(m, "CampaignMember", RecordType.CAMPAIGN_MEMBER, "status", "attributes");
        put(m, "MarketingList", RecordType.MARKETING_LIST, "name", "attributes");
        put(m, "MarketingListMember", RecordType.MARKETING_LIST_MEMBER, "attributes");
        put(m, "Event", RecordType.EVENT, "eventType", "url", "attributes");
        return java.util.Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, Origin> m, String type, RecordType rt, String... fields) {
        for (String f : fields) m.put(type + "." + f, new Origin(rt, f));
    }
}
