package io.cohort.ingest.pull;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.http.ApiLimits;
import io.cohort.http.HttpTransport;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.RecordParser;
import java.time.Clock;

/**
 * What the service hands every connector when building it.
 *
 * @param mapper       the source's native mapper (vendor JSON → canonical records)
 * @param parser       canonical validation, to set aside records the vendor sent that would fail the batch
 * @param maxBatch     records per stored batch (ingest.maxRecordsPerBatch)
 * @param clock        wall-clock time (vendor watermarks are real time, whatever the engine's clock)
 */
public record PullContext(BatchWriter writer, CursorBook cursors, StoredKeys storedKeys, NativeMapper mapper,
                          RecordParser parser, int maxBatch, ApiLimits limits, HttpTransport http,
                          ObjectMapper json, MetricRegistry metrics, Clock clock) {

    /**
     * The context of each source in a running service: the service's {@link ApiLimits} registry,
     * an HTTP client of its own, wall-clock time, the source's own native mapper.
     */
    public static java.util.function.Function<String, PullContext> factory(
            java.util.Map<String, io.cohort.ingest.SourceFactory> sources, BatchWriter writer, CursorBook cursors,
            StoredKeys keys, io.cohort.ingest.IngestLimits ingestLimits, ApiLimits limits,
            io.dropwizard.core.setup.Environment env) {
        Clock clock = Clock.systemUTC();
        RecordParser parser = new RecordParser(ingestLimits);
        // An HTTP client per connector: one vendor's slow or hung connections never hold another's.
        return id -> new PullContext(writer, cursors, keys, sources.get(id).nativeMapper(id), parser,
                ingestLimits.maxRecordsPerBatch(), limits, new io.cohort.http.JdkHttpTransport(java.time.Duration.ofSeconds(10)),
                env.getObjectMapper(), env.metrics(), clock);
    }

    public PageWriter pageWriter(String sourceId) {
        return new PageWriter(sourceId, writer, cursors, parser, maxBatch, clock,
                metrics.meter(MetricRegistry.name("cohort.sources", sourceId, "records")));
    }
}
