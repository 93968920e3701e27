package io.cohort.vendor;

import io.dropwizard.client.HttpClientConfiguration;
import io.dropwizard.util.Duration;
import java.util.Optional;

/**
 * Config key {@code httpClient}: Dropwizard's {@link HttpClientConfiguration} with defaults for
 * vendor APIs instead of Dropwizard's (whose 500 ms timeouts suit calls inside a data centre):
 * {@code timeout} 30s (an adapter's {@code requestTimeout} replaces it per request),
 * {@code connectionTimeout} 10s, {@code connectionRequestTimeout} 30s (wait for a pooled
 * connection), {@code maxConnections} 64, {@code maxConnectionsPerRoute} 16 (Marketo allows 10
 * concurrent calls), {@code retries} 0 (retries are the outbox's), {@code userAgent} cohort.
 * Every other key of Dropwizard's HTTP client (keepAlive, timeToLive, proxy, tls…) applies as
 * documented there.
 */
public class HttpClientSettings extends HttpClientConfiguration {
    public HttpClientSettings() {
        setTimeout(Duration.seconds(30));
        setConnectionTimeout(Duration.seconds(10));
        setConnectionRequestTimeout(Duration.seconds(30));
        setMaxConnections(64);
        setMaxConnectionsPerRoute(16);
        setRetries(0);
        setUserAgent(Optional.of("cohort"));
    }
}
