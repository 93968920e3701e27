package io.cohort.ingest.pull;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.cohort.ingest.SourceFactory;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every configured source with a {@code pull:} block, as a running connector. One per service;
 * managed by the application (started after the store is loaded, stopped before the database).
 */
public final class Connectors implements Managed, SyncStatuses {
    private final Map<String, ConnectorRunner> runners = new LinkedHashMap<>();

    /**
     * @param contexts the build context of each source (its native mapper differs per source)
     */
    public Connectors(Map<String, SourceFactory> sources, Function<String, PullContext> contexts, Clock clock) {
        this(sources, contexts, clock, PullThreads.plain());
    }

    /** @param threads the lanes' threads: the service's lifecycle executors, shut down after {@link #stop()} */
    public Connectors(Map<String, SourceFactory> sources, Function<String, PullContext> contexts, Clock clock,
                      PullThreads threads) {
        sources.forEach((id, factory) -> {
            PullSettings pull = factory.pull();
            if (pull == null) return;
            PullContext ctx = contexts.apply(id);
            runners.put(id, new ConnectorRunner(pull.build(id, ctx), pull, clock, threads));
            registerMetrics(id, ctx.metrics());
        });
    }

    private void registerMetrics(String id, MetricRegistry metrics) {
        metrics.register(MetricRegistry.name("cohort.sources", id, "lagSeconds"),
                (Gauge<Long>) () -> runners.get(id).status().lagSeconds());
        metrics.register(MetricRegistry.name("cohort.sources", id, "apiCalls"),
                (Gauge<Long>) () -> runners.get(id).connector().apiCalls());
        metrics.register(MetricRegistry.name("cohort.sources", id, "quotaLeft"),
                (Gauge<Long>) () -> {
                    var q = runners.get(id).connector().quota();
                    return q == null ? null : q.left();
                });
        metrics.register(MetricRegistry.name("cohort.sources", id, "rejected"),
                (Gauge<Long>) () -> runners.get(id).status().recordsRejected());
    }

    public Optional<ConnectorRunner> get(String sourceId) { return Optional.ofNullable(runners.get(sourceId)); }

    public Map<String, ConnectorRunner> all() { return Map.copyOf(runners); }

    @Override public Optional<SyncStatusView> status(String sourceId) { return get(sourceId).map(ConnectorRunner::status); }

    @Override public java.util.Set<String> pulled() { return new java.util.TreeSet<>(runners.keySet()); }

    @Override public void start() {
        runners.values().forEach(ConnectorRunner::start);
    }

    @Override public void stop() throws InterruptedException {
        for (ConnectorRunner r : runners.values()) r.stop();
    }
}
