package io.cohort.ingest.pull.salesforce;

import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.PageWriter;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.SyncStatusView.QuotaView;
import io.cohort.ingest.pull.SyncStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pulls one Salesforce org: per configured sObject an incremental stream (queryAll by
 * SystemModstamp from a watermark, with an overlap window; deleted rows become deletes), the
 * delete log of the objects keyed by id ({@link DeleteLogStream}, per {@code deletes}) and a
 * backfill (query of everything modified before the first start, beside it).
 */
final class SalesforceConnector implements Connector {

    final String sourceId;
    final SalesforcePull config;
    final SalesforceApi api;
    final PullContext ctx;
    final PageWriter writer;
    private final io.cohort.ingest.pull.Origin origin;
    private final List<SyncStream> streams = new ArrayList<>();

    SalesforceConnector(String sourceId, SalesforcePull config, SalesforceApi api, PullContext ctx) {
        this.sourceId = sourceId;
        this.config = config;
        this.api = api;
        this.ctx = ctx;
        this.writer = ctx.pageWriter(sourceId);
        this.origin = new io.cohort.ingest.pull.Origin(ctx, sourceId);
        List<ObjectStream> incremental = new ArrayList<>();
        for (String object : SalesforcePull.DEFAULT_FIELDS.keySet()) {
            if (config.getObjects().contains(object)) incremental.add(new ObjectStream(this, object, null));
        }
        streams.addAll(incremental);
        for (ObjectStream inc : incremental) {
            if (config.readsDeleteLog(inc.object())) streams.add(new DeleteLogStream(this, inc.object()));
        }
        for (ObjectStream inc : incremental) streams.add(new ObjectStream(this, inc.object(), inc));
    }

    @Override public String sourceId() { return sourceId; }

    @Override public String type() { return "salesforce"; }

    @Override public List<SyncStream> streams() { return List.copyOf(streams); }

    @Override public long apiCalls() { return api.calls(); }

    @Override public QuotaView quota() {
        long max = api.max();
        long used = api.used();
        return new QuotaView(max < 0 ? null : max, used < 0 ? null : used, max < 0 ? null : Math.max(0, max - used), null,
                api.pausedUntil(), null);
    }

    /**
     * Rows of {@code object} as one query result through the source's mapper (the push endpoint's
     * mapping). A row the mapper refuses on its own is set aside, the others mapped
     * ({@link PageWriter#map}); only a result the mapper cannot read at all is fatal.
     */
    List<com.fasterxml.jackson.databind.node.ObjectNode> map(io.cohort.ingest.pull.StreamStatus status, String object,
            List<com.fasterxml.jackson.databind.JsonNode> rows) throws io.cohort.ingest.pull.PullException {
        return map(status, object, rows, null);
    }

    /** As {@link #map(io.cohort.ingest.pull.StreamStatus, String, List)}, {@code versionOf} telling each row's version. */
    List<com.fasterxml.jackson.databind.node.ObjectNode> map(io.cohort.ingest.pull.StreamStatus status, String object,
            List<com.fasterxml.jackson.databind.JsonNode> rows,
            java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, String> versionOf) throws io.cohort.ingest.pull.PullException {
        if (rows.isEmpty()) return List.of();
        try {
            return writer.map(status, "Salesforce " + object, rows, r -> r.hasNonNull("Id") ? "Id " + r.get("Id").asText() : null,
                    versionOf, part -> ctx.mapper().map("query", result(part)));
        } catch (io.cohort.ingest.NativeFormatException e) {
            throw new io.cohort.ingest.pull.PullException.Fatal("Salesforce " + object + " rows not as documented: " + e.getMessage(), e);
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode result(List<com.fasterxml.jackson.databind.JsonNode> rows) {
        var result = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        result.put("totalSize", rows.size());
        result.put("done", true);
        result.putArray("records").addAll(rows);
        return result;
    }

    /** When the incremental streams began following the source (see {@link io.cohort.ingest.pull.Origin}). */
    Instant origin() { return origin.get(); }
}
