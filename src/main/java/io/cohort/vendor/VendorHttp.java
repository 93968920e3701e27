package io.cohort.vendor;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.httpclient5.HttpClientMetricNameStrategies;
import io.dropwizard.client.HttpClientBuilder;
import io.dropwizard.client.HttpClientConfiguration;
import io.dropwizard.core.setup.Environment;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * The one outbound HTTP client of the service: Dropwizard's Apache HttpClient 5, configured by
 * config key {@code httpClient} (timeouts, connection pool, proxy, TLS, user agent) and
 * instrumented (timers per host and method, pool gauges under
 * {@code org.apache.hc.client5.http.classic.HttpClient.vendor-http.*}). Built once in
 * {@code run()}, closed by the lifecycle after the destinations stopped.
 *
 * <p>Callers give a response timeout per request (each adapter's {@code requestTimeout});
 * connection and pool waits come from the configuration. Network faults are {@link IOException}s:
 * whether they are worth retrying is the caller's decision.
 */
public final class VendorHttp {
    /** The client's name in metrics and thread names. */
    public static final String NAME = "vendor-http";

    private final CloseableHttpClient client;
    private final Timeout poolWait;

    public VendorHttp(CloseableHttpClient client, Duration connectionRequestTimeout) {
        this.client = client;
        this.poolWait = Timeout.ofMilliseconds(connectionRequestTimeout.toMillis());
    }

    /** The service's client: closed by the environment's lifecycle. */
    public static VendorHttp build(HttpClientConfiguration config, Environment env) {
        return new VendorHttp(new HttpClientBuilder(env).using(config)
                .using(HttpClientMetricNameStrategies.HOST_AND_METHOD).build(NAME), poolWait(config));
    }

    /** A client outside the server (commands, tests); the caller closes it with {@link #close()}. */
    public static VendorHttp build(HttpClientConfiguration config, MetricRegistry metrics) {
        return new VendorHttp(new HttpClientBuilder(metrics).using(config)
                .using(HttpClientMetricNameStrategies.HOST_AND_METHOD).build(NAME), poolWait(config));
    }

    private static Duration poolWait(HttpClientConfiguration config) {
        return Duration.ofMillis(config.getConnectionRequestTimeout().toMilliseconds());
    }

    /**
     * Sends one request and reads the whole answer.
     *
     * @param headers     request headers (no Content-Type: give {@code contentType})
     * @param body        the request body, or null for none
     * @param contentType the body's media type, e.g. {@code application/json}; ignored without a body
     * @param timeout     how long to wait for the answer once connected
     * @throws IOException a network fault: refused, reset, timed out
     */
    public HttpReply send(String method, URI uri, Map<String, String> headers, byte[] body, String contentType,
                          Duration timeout) throws IOException {
        HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
        headers.forEach(request::addHeader);
        if (body != null) request.setEntity(new ByteArrayEntity(body, ContentType.parse(contentType)));
        request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(timeout.toMillis()))
                .setConnectionRequestTimeout(poolWait).build());
        return client.execute(request, response -> {
            Map<String, List<String>> h = headers(response);
            String text = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            return new HttpReply(response.getCode(), h, text);
        });
    }

    /**
     * Sends one request and hands back the answer with its body unread, for bodies too large to
     * hold in memory (a bulk export file). The caller reads {@link Streamed#body()} and closes the
     * answer, which gives the connection back (or drops it, when the body was not read to its end).
     *
     * @throws IOException a network fault: refused, reset, timed out
     */
    public Streamed open(String method, URI uri, Map<String, String> headers, Duration timeout) throws IOException {
        HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
        headers.forEach(request::addHeader);
        request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(timeout.toMillis()))
                .setConnectionRequestTimeout(poolWait).build());
        ClassicHttpResponse response = client.executeOpen(HttpHost.create(uri), request, null);
        try {
            InputStream body = response.getEntity() == null ? InputStream.nullInputStream() : response.getEntity().getContent();
            return new Streamed(request, response, response.getCode(), headers(response), body);
        } catch (IOException | RuntimeException e) {
            response.close();
            throw e;
        }
    }

    /** An answer whose body is still to be read; {@link #close()} it. */
    public static final class Streamed implements AutoCloseable {
        private final HttpUriRequestBase request;   // null: read already
        private final ClassicHttpResponse response; // null: read already
        private final int status;
        private final Map<String, List<String>> headers;
        private final InputStream body;
        private volatile boolean atEnd;

        private Streamed(HttpUriRequestBase request, ClassicHttpResponse response, int status, Map<String, List<String>> headers,
                         InputStream body) {
            this.request = request;
            this.response = response;
            this.status = status;
            this.headers = headers;
            this.body = new java.io.FilterInputStream(body) {
                @Override public int read() throws IOException {
                    int b = super.read();
                    if (b < 0) atEnd = true;
                    return b;
                }

                @Override public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    if (n < 0) atEnd = true;
                    return n;
                }
            };
        }

        /** An answer already read whole, as a stream (a caller that looked at the body first). */
        public static Streamed of(HttpReply reply) {
            return new Streamed(null, null, reply.status(), reply.headers(),
                    new java.io.ByteArrayInputStream(reply.body().getBytes(StandardCharsets.UTF_8)));
        }

        public int status() { return status; }

        /** Header names lower-cased. */
        public Map<String, List<String>> headers() { return headers; }

        public InputStream body() { return body; }

        /** The whole answer as text, for error answers (small). */
        public HttpReply readAll() throws IOException {
            return new HttpReply(status(), headers, new String(body.readAllBytes(), StandardCharsets.UTF_8));
        }

        /**
         * Gives the connection back; a body not read to its end (the reader gave up on a bad row)
         * is cut off instead of being drained, which for a large file would read all of it.
         */
        @Override public void close() throws IOException {
            if (response == null) return;
            if (atEnd) {
                response.close();
                return;
            }
            request.cancel();
            try {
                response.close();
            } catch (IOException cutOff) { // expected: the connection was just aborted
            }
        }
    }

    private static Map<String, List<String>> headers(ClassicHttpResponse response) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (Header header : response.getHeaders()) {
            h.computeIfAbsent(header.getName().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(header.getValue());
        }
        return h;
    }

    /** Closes the client (only for clients built without an environment). */
    public void close() throws IOException { client.close(); }
}
