package io.cohort.http;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one thing a vendor client needs from HTTP: send a request, get status, headers and body.
 * Kept this small so the implementation (today {@link JdkHttpTransport}) can be swapped for the
 * service's shared, configured client without touching any vendor code.
 */
public interface HttpTransport {

    /** A request; {@code body} null sends none. Header names as given. */
    record Request(String method, URI uri, Map<String, String> headers, String body, Duration timeout) {
        public static Request get(URI uri, Map<String, String> headers, Duration timeout) {
            return new Request("GET", uri, headers, null, timeout);
        }
    }

    /** A response; header names lower-case. */
    record Response(int status, Map<String, List<String>> headers, String body) {
        public Optional<String> header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
        }
    }

    /**
     * @throws IOException on a network fault or timeout (the caller decides whether to retry)
     * @throws InterruptedException when the calling thread is stopped (shutdown)
     */
    Response send(Request request) throws IOException, InterruptedException;
}
