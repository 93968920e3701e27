package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.PageWriter;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.StreamStatus;
import io.cohort.ingest.pull.SyncStatusView.QuotaView;
import io.cohort.ingest.pull.SyncStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pulls one Marketo instance. Streams (each with its own cursor, docs/sources.md):
 * <ul>
 *   <li>{@code leads}: Get Lead Changes from a paging token, then the changed leads by id (with
 *       their companies, opportunity roles and opportunities);</li>
 *   <li>{@code leads.backfill}: bulk lead export jobs by createdAt, 31-day windows from startDate;</li>
 *   <li>{@code activities} (one per 10 activity types), and their {@code .backfill}: Get Lead
 *       Activities from a paging token;</li>
 *   <li>{@code deletedLeads}: Get Deleted Leads from a paging token;</li>
 *   <li>{@code refresh}: every refreshInterval, the static lists with their members, and the known
 *       companies, opportunities and roles again, and the day's API usage.</li>
 * </ul>
 * The incremental streams start where the first start found the instance ("origin"); the
 * backfills cover what came before, beside them.
 */
final class MarketoConnector implements Connector {

    final String sourceId;
    final MarketoPull config;
    final MarketoApi api;
    final PullContext ctx;
    final PageWriter writer;
    private final io.cohort.ingest.pull.Origin origin;
    final Related related;
    private final List<SyncStream> streams = new ArrayList<>();
    private volatile Instant usageCheckedAt = Instant.MIN;
    private volatile Long reportedUsage;

    MarketoConnector(String sourceId, MarketoPull config, MarketoApi api, PullContext ctx) {
        this.sourceId = sourceId;
        this.config = config;
        this.api = api;
        this.ctx = ctx;
        this.writer = ctx.pageWriter(sourceId);
        this.origin = new io.cohort.ingest.pull.Origin(ctx, sourceId);
        this.related = new Related(this);
        var objects = config.getObjects();
        LeadStreams.Changes leads = null;
        if (objects.contains("leads")) {
            leads = new LeadStreams.Changes(this);
            streams.add(leads);
        }
        if (objects.contains("activities")) {
            List<Integer> types = config.getActivityTypeIds();
            int chunks = (types.size() + 9) / 10;
            for (int i = 0; i < chunks; i++) {
                List<Integer> part = types.subList(i * 10, Math.min(types.size(), i * 10 + 10));
                String name = chunks == 1 ? "activities" : "activities." + (i + 1);
                streams.add(new ActivityStream(this, name, part, false));
            }
            for (int i = 0; i < chunks; i++) {
                List<Integer> part = types.subList(i * 10, Math.min(types.size(), i * 10 + 10));
                String name = (chunks == 1 ? "activities" : "activities." + (i + 1)) + ".backfill";
                streams.add(new ActivityStream(this, name, part, true));
            }
        }
        if (objects.contains("deletedLeads")) streams.add(new DeletedLeadsStream(this));
        if (objects.contains("lists") || objects.contains("companies") || objects.contains("opportunities")
                || objects.contains("opportunityRoles")) {
            streams.add(new RefreshStream(this));
        }
        if (leads != null) streams.add(new LeadStreams.Backfill(this, leads));
    }

    @Override public String sourceId() { return sourceId; }

    @Override public String type() { return "marketo"; }

    @Override public List<SyncStream> streams() { return List.copyOf(streams); }

    @Override public long apiCalls() { return api.calls(); }

    @Override public QuotaView quota() {
        var l = api.limits();
        long quota = l.limits().dailyQuota();
        return new QuotaView(quota == 0 ? null : quota, l.usedToday(), l.quotaLeft() < 0 ? null : l.quotaLeft(),
                l.nextReset(), l.blockedUntil(), l.availableConcurrentCalls());
    }

    /** When the incremental streams began following the source (see {@link io.cohort.ingest.pull.Origin}). */
    Instant origin() { return origin.get(); }

    /**
     * The lead fields' data types (Describe Lead), asked for by each export file that has rows: a
     * type changed in Marketo since is used from the next file on.
     */
    LeadFieldTypes leadFieldTypes() throws PullException, InterruptedException {
        return LeadFieldTypes.of(api.get("/rest/v1/leads/describe.json"));
    }

    /** A paging token for "everything after {@code since}" (Get Paging Token). */
    String pagingToken(Instant since) throws PullException, InterruptedException {
        JsonNode r = api.get("/rest/v1/activities/pagingtoken.json?sinceDatetime=" + MarketoApi.enc(since.toString()));
        String token = r.path("nextPageToken").asText(null);
        if (token == null) throw new PullException.Fatal("Marketo returned no nextPageToken for sinceDatetime " + since);
        return token;
    }

    /** The day's usage (Get Daily Usage) every 10 minutes: the quota shared with every integration. */
    void checkUsage() throws PullException, InterruptedException {
        Instant now = ctx.clock().instant();
        if (usageCheckedAt.plusSeconds(600).isAfter(now)) return;
        usageCheckedAt = now;
        JsonNode r = api.get("/rest/v1/stats/usage.json");
        JsonNode total = r.path("result").path(0).path("total");
        if (total.canConvertToLong()) {
            reportedUsage = total.asLong();
            api.limits().reportUsage(total.asLong());
        }
    }

    /**
     * Maps Marketo result items through the source's native mapper (the push endpoint's mapping).
     * An item the mapper refuses (one activity attribute name twice with two values: a push's 400)
     * is set aside, the others mapped ({@link PageWriter#map}); only a page the mapper cannot read
     * at all is fatal. Each item goes with its {@link #version}: Marketo items are read again (a
     * company or opportunity with every page of its leads' changes and every refresh, a lead by the
     * backfill and again by the rewound lead changes, an activity by a re-backfill), and one set
     * aside counts once per version.
     */
    List<ObjectNode> map(StreamStatus status, String object, List<JsonNode> items) throws PullException {
        try {
            return writer.map(status, "Marketo " + object, items, MarketoConnector::itemId, item -> version(object, item),
                    part -> ctx.mapper().map(object, envelope(part)));
        } catch (NativeFormatException e) {
            throw new PullException.Fatal("Marketo " + object + " response not as documented: " + e.getMessage(), e);
        }
    }

    /** Marketo's id of a result item: activities have a marketoGUID, companies and opportunities an external id. */
    static String itemId(JsonNode item) {
        for (String f : List.of("marketoGUID", "id", "externalCompanyId", "externalOpportunityId")) {
            if (item.hasNonNull(f) && item.get(f).isValueNode()) return f + " " + item.get(f).asText();
        }
        return null;
    }

    /**
     * What a result item is, as one version of it: an activity never changes, so its id; another
     * item its id and updatedAt, written alike in the bulk export's CSV and a REST read; where
     * updatedAt is not among the fields read (companies, opportunities, roles and lists by
     * default), its id and a digest of what was read ({@link #normalized}). Null for an item
     * without an id: counted each time it is stored.
     */
    static String version(String object, JsonNode item) {
        String id = itemId(item);
        if (id == null) return null;
        if (object.equals("activities")) return object + " " + id;
        JsonNode updated = item.get("updatedAt");
        if (updated != null && updated.isTextual()) return object + " " + id + " " + updated.asText();
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(normalized(item).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return object + " " + id + " " + java.util.HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /**
     * What was read of an item, whichever way: its fields in name order, without Marketo's "seq"
     * (its place in that response) and without null values. A lead from a bulk export (its values
     * typed by {@link LeadFieldTypes}, its columns in the order asked for, an empty value null)
     * digests as the same lead read by REST (its fields in Marketo's order, a value it lacks null
     * or left out).
     */
    static JsonNode normalized(JsonNode item) {
        if (!item.isObject()) return item;
        java.util.TreeMap<String, JsonNode> fields = new java.util.TreeMap<>();
        item.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("seq") && !e.getValue().isNull()) fields.put(e.getKey(), e.getValue());
        });
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        fields.forEach(out::set);
        return out;
    }

    /** An envelope with only the given result items, for the mapper. */
    static ObjectNode envelope(List<JsonNode> items) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("success", true);
        ArrayNode a = n.putArray("result");
        items.forEach(a::add);
        return n;
    }

    static List<JsonNode> results(JsonNode body) {
        List<JsonNode> out = new ArrayList<>();
        body.path("result").forEach(out::add);
        return out;
    }
}
