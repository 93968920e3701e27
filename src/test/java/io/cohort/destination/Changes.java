package io.cohort.destination;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jackson.Jackson;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.HttpClientSettings;
import io.cohort.vendor.VendorHttp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders for adapter tests that call {@link Destination#deliver} directly. */
public final class Changes {
    private Changes() {}

    public static final ObjectMapper MAPPER = Jackson.newObjectMapper();

    /** A context as the service builds it: Dropwizard's HTTP client with the shipped defaults, fresh budgets. */
    public static DestinationContext context() {
        return context(new MetricRegistry());
    }

    public static DestinationContext context(MetricRegistry metrics) {
        return new DestinationContext(MAPPER, VendorHttp.build(new HttpClientSettings(), metrics), metrics, Clock.systemUTC(),
                new CallLimits(metrics, Clock.systemUTC()), ThreadPools.unmanaged());
    }

    public static AudienceChange add(long seq, String person, String email, Map<String, List<String>> ids) {
        return new AudienceChange(seq, person, AudienceChange.Action.ADD, email, ids, Instant.ofEpochMilli(1_700_000_000_000L + seq));
    }

    public static AudienceChange remove(long seq, String person, String email, Map<String, List<String>> ids) {
        return new AudienceChange(seq, person, AudienceChange.Action.REMOVE, email, ids, Instant.ofEpochMilli(1_700_000_000_000L + seq));
    }

    public static Activation activation(String id, String destination, Map<String, String> params) {
        return new Activation(id, "high-value-new-product", destination, params);
    }

    public static DispatcherConfig fastDispatcher() {
        DispatcherConfig c = new DispatcherConfig();
        c.setPollInterval(io.dropwizard.util.Duration.milliseconds(100));
        c.setBackoffBase(io.dropwizard.util.Duration.milliseconds(50));
        c.setBackoffMax(io.dropwizard.util.Duration.milliseconds(400));
        c.setFatalRetryInterval(io.dropwizard.util.Duration.hours(1));
        return c;
    }
}
