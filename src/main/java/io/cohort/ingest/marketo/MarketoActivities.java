package io.cohort.ingest.marketo;

import static io.cohort.ingest.NativeJson.copy;
import static io.cohort.ingest.NativeJson.record;
import static io.cohort.ingest.NativeJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeJson;
import io.cohort.record.FieldError;
import io.cohort.record.RecordType;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Get Lead Activities items → canonical events. Event types use the XDM ExperienceEvent names
 * where one exists, so rules read the same whatever the source; other Marketo activity types
 * become "marketo.activity.&lt;activityTypeId&gt;".
 */
final class MarketoActivities {

    static final int VISIT_WEBPAGE = 1;
    static final int CLICK_LINK = 3;
    static final int CLICK_EMAIL = 11;

    /** Marketo's standard activity type ids (GET /rest/v1/activities/types.json). */
    static final Map<Integer, String> EVENT_TYPES = Map.ofEntries(
            Map.entry(VISIT_WEBPAGE, "web.webpagedetails.pageViews"),
            Map.entry(2, "web.formFilledOut"),
            Map.entry(CLICK_LINK, "web.webinteraction.linkClicks"),
            Map.entry(6, "directMarketing.emailSent"),
            Map.entry(7, "directMarketing.emailDelivered"),
            Map.entry(8, "directMarketing.emailBounced"),
            Map.entry(9, "directMarketing.emailUnsubscribed"),
            Map.entry(10, "directMarketing.emailOpened"),
            Map.entry(CLICK_EMAIL, "directMarketing.emailClicked"),
            Map.entry(12, "leadOperation.newLead"),
            Map.entry(27, "directMarketing.emailBouncedSoft"));

    /** Serialized form submissions: personal data of any size, and not a fact rules need. */
    private static final Set<String> DROPPED = Set.of("Form Fields");

    private MarketoActivities() {}

    static String eventType(JsonNode activityTypeId) {
        Integer id = typeId(activityTypeId);
        if (id == null) return "marketo.activity." + (activityTypeId == null ? "unknown" : activityTypeId.asText());
        return EVENT_TYPES.getOrDefault(id, "marketo.activity." + id);
    }

    /** The documented integer, also when a re-serialized export wrote it as a string. */
    private static Integer typeId(JsonNode v) {
        if (v == null) return null;
        if (v.canConvertToInt()) return v.intValue();
        return v.isTextual() && v.asText().matches("\\d{1,9}") ? Integer.valueOf(v.asText()) : null;
    }

    /** What an event's attributes hold of the activity itself, besides its attributes[]. */
    private static final List<String> OWN = List.of("activityTypeId", "primaryAttributeValue", "primaryAttributeValueId", "campaignId");

    /** @param index the activity's place in the page, for errors */
    static ObjectNode event(JsonNode item, int index) throws NativeFormatException {
        ObjectNode e = record(RecordType.EVENT);
        // The docs: marketoGUID replaces the integer id as an activity's unique identifier.
        copy(item, item.hasNonNull("marketoGUID") ? "marketoGUID" : "id", e, "id");
        copy(item, "leadId", e, "personId");
        JsonNode typeId = item.get("activityTypeId");
        e.put("eventType", eventType(typeId));
        String ts = NativeJson.timestamp(text(item, "activityDate"));
        if (ts != null) e.put("timestamp", ts);

        ObjectNode attrs = JsonNodeFactory.instance.objectNode();
        for (String f : OWN) {
            String v = text(item, f);
            if (v != null) attrs.put(f, v);
        }
        named(item.path("attributes"), index).forEach(attrs::put);
        NativeJson.putAttributes(e, attrs);

        Integer id = typeId(typeId);
        int type = id == null ? -1 : id;
        String url = switch (type) {
            case VISIT_WEBPAGE -> pageUrl(text(item, "primaryAttributeValue"), attrs.path("webpageUrl").asText(null),
                    attrs.path("queryParameters").asText(null));
            case CLICK_LINK -> text(item, "primaryAttributeValue");
            case CLICK_EMAIL -> attrs.path("link").asText(null);
            default -> null;
        };
        if (url != null) e.put("url", url);
        return e;
    }

    /**
     * An activity's attributes[] {name, value} by the names they are kept under: the camelCase of
     * Marketo's name ("Client IP Address" → clientIpAddress), or Marketo's name as it is where two
     * of the activity's names have one camelCase ("Client IP", "client ip") or it is one of
     * {@link #OWN}; one of them was silently dropped. Names that are still one with other values
     * (Marketo names a type's attributes uniquely) are no Marketo activity: refused, naming both.
     */
    private static Map<String, String> named(JsonNode list, int index) throws NativeFormatException {
        Map<String, Integer> camels = new HashMap<>();
        for (JsonNode a : list) {
            String name = text(a, "name");
            if (name != null && !DROPPED.contains(name)) camels.merge(camel(name), 1, Integer::sum);
        }
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> namedBy = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String name = text(list.get(i), "name");
            String value = text(list.get(i), "value");
            if (name == null || value == null || DROPPED.contains(name)) continue;
            String c = camel(name);
            String key = camels.get(c) > 1 || OWN.contains(c) ? name : c;
            String before = OWN.contains(key) ? "" : out.putIfAbsent(key, value);
            if (before != null && !before.equals(value)) {
                String other = OWN.contains(key) ? "the activity's own " + key : "attribute '" + namedBy.get(key) + "'";
                throw new NativeFormatException(List.of(new FieldError(index, "result[" + index + "].attributes[" + i + "].name",
                        "attribute '" + name + "' would be kept as '" + key + "', as " + other + " is, with another value; "
                        + "Marketo names an activity type's attributes uniquely")));
            }
            namedBy.putIfAbsent(key, name);
        }
        return out;
    }

    /**
     * The visited URL. Marketo records the page as host + path without a scheme
     * (primaryAttributeValue "www.bodea.com/products/new"), the path alone in the "Webpage URL"
     * attribute, and the query string without "?" in "Query Parameters". The scheme is not
     * recorded; https is assumed, which no path-based rule depends on. Without a recognizable host
     * (e.g. a page name) the URL is the path alone, which still answers path questions.
     */
    static String pageUrl(String page, String webpageUrl, String query) {
        String base;
        if (webpageUrl != null && webpageUrl.contains("://")) {
            base = webpageUrl;
        } else if (page != null && page.contains("://")) {
            base = page;
        } else {
            int slash = page == null ? -1 : page.indexOf('/');
            String host = page == null ? null : (slash < 0 ? page : page.substring(0, slash));
            boolean hasHost = host != null && !host.isBlank() && !host.contains(" ")
                    && (host.contains(".") || host.startsWith("localhost"));
            String path = webpageUrl != null && webpageUrl.startsWith("/") ? webpageUrl
                    : hasHost && slash >= 0 ? page.substring(slash) : null;
            if (hasHost) base = "https://" + host + (path == null ? "/" : path);
            else base = path;
        }
        if (base == null) return null;
        if (query != null && !query.isBlank() && !base.contains("?")) {
            base += (query.startsWith("?") ? "" : "?") + query;
        }
        return base;
    }

    /** "Client IP Address" → "clientIpAddress", so attribute names read like the canonical ones. */
    static String camel(String name) {
        StringBuilder b = new StringBuilder();
        for (String word : name.trim().split("[^A-Za-z0-9]+")) {
            if (word.isEmpty()) continue;
            String w = word.toLowerCase(Locale.ROOT);
            b.append(b.length() == 0 ? w : Character.toUpperCase(w.charAt(0)) + w.substring(1));
        }
        return b.length() == 0 ? name : b.toString();
    }
}
