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
 *
 * <p>An answer is taken as it came and bounded, whoever sends it: redirects are never followed
 * (a POST answered 302 was followed as a GET to the other host, whose 200 counted as the
 * delivery; a vendor API does not redirect its calls, so a redirect is a wrong URL to report);
 * a whole answer of {@link #send} must arrive within its timeout (the timeout alone bounds each
 * read, so a server trickling a byte at a time held the caller for ever) and be at most
 * {@link #MAX_ANSWER_BYTES} (it is held in memory).
 */
public final class VendorHttp {
    /** The client's name in metrics and thread names. */
    public static final String NAME = "vendor-http";

    /** The largest answer {@link #send} reads: far above any page the adapters ask for (Salesforce's 2,000 records). */
    public static final int MAX_ANSWER_BYTES = 32 * 1024 * 1024;

    private final CloseableHttpClient client;
    private final Timeout poolWait;
    /** Cuts off answers still arriving at their deadline. */
    private final java.util.concurrent.ScheduledThreadPoolExecutor deadlines;

    public VendorHttp(CloseableHttpClient client, Duration connectionRequestTimeout) {
        this.client = client;
        this.poolWait = Timeout.ofMilliseconds(connectionRequestTimeout.toMillis());
        this.deadlines = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, NAME + "-deadlines");
            t.setDaemon(true);
            return t;
        });
        deadlines.setRemoveOnCancelPolicy(true);
    }

    /** Never follows a redirect: the caller sees the 3xx and its Location. */
    private static final org.apache.hc.client5.http.protocol.RedirectStrategy NO_REDIRECTS =
            new org.apache.hc.client5.http.impl.DefaultRedirectStrategy() {
                @Override public boolean isRedirected(org.apache.hc.core5.http.HttpRequest request,
                                                      org.apache.hc.core5.http.HttpResponse response,
                                                      org.apache.hc.core5.http.protocol.HttpContext context) {
                    return false;
                }
            };

    /** The service's client: closed by the environment's lifecycle. */
    public static VendorHttp build(HttpClientConfiguration config, Environment env) {
        return new VendorHttp(new HttpClientBuilder(env).using(config).using(NO_REDIRECTS)
                .using(HttpClientMetricNameStrategies.HOST_AND_METHOD).build(NAME), poolWait(config));
    }

    /** A client outside the server (commands, tests); the caller closes it with {@link #close()}. */
    public static VendorHttp build(HttpClientConfiguration config, MetricRegistry metrics) {
        return new VendorHttp(new HttpClientBuilder(metrics).using(config).using(NO_REDIRECTS)
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
     * @param timeout     how long to wait for the whole answer once connected
     * @throws IOException a network fault: refused, reset, timed out, or an answer larger than {@link #MAX_ANSWER_BYTES}
     */
    public HttpReply send(String method, URI uri, Map<String, String> headers, byte[] body, String contentType,
                          Duration timeout) throws IOException {
        HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
        headers.forEach(request::addHeader);
        if (body != null) request.setEntity(new ByteArrayEntity(body, ContentType.parse(contentType)));
        request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(timeout.toMillis()))
                .setConnectionRequestTimeout(poolWait).build());
        java.util.concurrent.atomic.AtomicBoolean late = new java.util.concurrent.atomic.AtomicBoolean();
        // From now: the pool wait and the connect have their own limits, and are short beside it.
        var deadline = deadlines.schedule(() -> {
            late.set(true);
            request.cancel();
        }, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            return client.execute(request, response -> {
                Map<String, List<String>> h = headers(response);
                return new HttpReply(response.getCode(), h, response.getEntity() == null ? "" : text(request, response.getEntity()));
            });
        } catch (IOException | RuntimeException e) {
            if (late.get()) {
                throw new java.net.SocketTimeoutException(method + " " + uri.getPath() + ": no whole answer within "
                        + timeout.toMillis() + " ms (the answer was still arriving)");
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    /** The body as text in its declared charset (UTF-8 by default), refused past {@link #MAX_ANSWER_BYTES} without reading on. */
    private static String text(HttpUriRequestBase request, org.apache.hc.core5.http.HttpEntity entity) throws IOException {
        long declared = entity.getContentLength();
        byte[] bytes = declared > MAX_ANSWER_BYTES ? null : entity.getContent().readNBytes(MAX_ANSWER_BYTES + 1);
        if (bytes == null || bytes.length > MAX_ANSWER_BYTES) {
            request.cancel(); // drop the connection rather than drain the rest
            throw new IOException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes" + (declared > 0 ? " (" + declared
                    + " announced)" : "") + "; no call of this service expects one that large");
        }
        java.nio.charset.Charset charset = null;
        try {
            ContentType type = ContentType.parseLenient(entity.getContentType());
            charset = type == null ? null : type.getCharset();
        } catch (RuntimeException unknownCharset) {
            // as EntityUtils does for an unsupported charset: the default
        }
        return new String(bytes, charset == null ? StandardCharsets.UTF_8 : charset);
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

        /** The whole answer as text, for error answers (small: past {@link #MAX_ANSWER_BYTES} an IOException). */
        public HttpReply readAll() throws IOException {
            byte[] bytes = body.readNBytes(MAX_ANSWER_BYTES + 1);
            if (bytes.length > MAX_ANSWER_BYTES) throw new IOException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes");
            return new HttpReply(status(), headers, new String(bytes, StandardCharsets.UTF_8));
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
    public void close() throws IOException {
        deadlines.shutdownNow();
        client.close();
    }
}
