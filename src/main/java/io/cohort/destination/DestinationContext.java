package io.cohort.destination;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.VendorHttp;
import java.time.Clock;

/**
 * What the service hands every destination when building it.
 *
 * @param http    the one configured, instrumented outbound HTTP client (config key {@code httpClient})
 * @param limits  per-vendor-instance call budgets, shared with source connectors of the same instance
 * @param pools   named thread pools, stopped by the service's lifecycle
 */
public record DestinationContext(ObjectMapper mapper, VendorHttp http, MetricRegistry metrics, Clock clock,
                                 CallLimits limits, ThreadPools pools) {}
