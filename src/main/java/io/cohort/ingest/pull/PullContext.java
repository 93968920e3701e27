package io.cohort.ingest.pull;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.RecordParser;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.VendorHttp;
import java.time.Clock;

/**
 * What the service hands every connector when building it.
 *
 * @param mapper       the source's native mapper (vendor JSON → canonical records)
 * @param parser       canonical validation, to set aside records the vendor sent that would fail the batch
 * @param maxBatch     records per stored batch (ingest.maxRecordsPerBatch)
 * @param limits       the service's per-instance call budgets, shared with the destinations
 * @param http         the service's one outbound HTTP client (config key {@code httpClient})
 * @param clock        wall-clock time (vendor watermarks are real time, whatever the engine's clock)
 */
public record PullContext(BatchWriter writer, CursorBook cursors, StoredKeys storedKeys, NativeMapper mapper,
                          RecordParser parser, int maxBatch, CallLimits limits, VendorHttp http,
                          ObjectMapper json, MetricRegistry metrics, Clock clock) {

    /**
     * The context of each source in a running service: the service's call budgets and HTTP client
     * (the destinations' too), wall-clock time, the source's own native mapper.
     */
    public static java.util.function.Function<String, PullContext> factory(
            java.util.Map<String, io.cohort.ingest.SourceFactory> sources, BatchWriter writer, CursorBook cursors,
            StoredKeys keys, io.cohort.ingest.IngestLimits ingestLimits, CallLimits limits,
            VendorHttp http, io.dropwizard.core.setup.Environment env) {
        Clock clock = Clock.systemUTC();
        // Checks references like Pipeline does, so that a page the writer would refuse is set aside.
        RecordParser parser = new RecordParser(ingestLimits).checkingReferences(sources.keySet()).refusingFutureEvents(clock);
        // One client for all: its pool is bounded per host (httpClient.maxConnectionsPerRoute), so a
        // vendor's slow or hung connections hold only that vendor's share.
        return id -> new PullContext(writer, cursors, keys, sources.get(id).nativeMapper(id), parser,
                ingestLimits.maxRecordsPerBatch(), limits, http,
                env.getObjectMapper(), env.metrics(), clock);
    }

    public PageWriter pageWriter(String sourceId) {
        return new PageWriter(sourceId, writer, cursors, parser, maxBatch, clock,
                metrics.meter(MetricRegistry.name("cohort.sources", sourceId, "records")));
    }
}
