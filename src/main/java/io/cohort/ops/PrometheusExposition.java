package io.cohort.ops;

import com.codahale.metrics.MetricRegistry;
import io.cohort.destination.ActivationStatus;
import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /prometheus} on the admin port: every Dropwizard metric of the service in the
 * Prometheus text format (the Prometheus client's Dropwizard bridge: names with {@code .} and
 * {@code -} become {@code _}, timers and histograms become summaries), plus the
 * {@link AudienceGauges}. A registry of its own, no static default registry.
 */
public final class PrometheusExposition {
    /** The admin path. */
    public static final String PATH = "/prometheus";
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusExposition.class);

    private PrometheusExposition() {}

    /** The registry a scrape reads: the Dropwizard metrics and the audience gauges. */
    public static PrometheusRegistry registry(MetricRegistry metrics, Supplier<Map<String, Integer>> segmentSizes,
                                              Supplier<List<ActivationStatus>> activations) {
        PrometheusRegistry registry = new PrometheusRegistry();
        DropwizardExports.builder().dropwizardRegistry(metrics)
                // A gauge whose value is not a number (e.g. the deadlocked-thread list) is left out, not a failed scrape.
                .invalidMetricHandler((name, e) -> {
                    LOG.debug("metric {} not exported to Prometheus: {}", name, e.toString());
                    return true;
                })
                .register(registry);
        registry.register(new AudienceGauges(segmentSizes, activations));
        return registry;
    }

    /** Serves {@link #registry} at {@link #PATH} on the admin port. */
    public static void install(Environment env, PrometheusRegistry registry) {
        env.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping(PATH);
    }
}
