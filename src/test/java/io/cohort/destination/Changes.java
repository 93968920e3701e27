package io.cohort.destination;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jackson.Jackson;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders for adapter tests that call {@link Destination#deliver} directly. */
public final class Changes {
    private Changes() {}

    public static final ObjectMapper MAPPER = Jackson.newObjectMapper();

    public static DestinationContext context() {
        return new DestinationContext(MAPPER, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                new MetricRegistry(), Clock.systemUTC());
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
