package io.cohort.destination;

import io.cohort.vendor.HttpReply;
import io.cohort.vendor.VendorHttp;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** What every HTTP adapter needs: network faults as Retriable, and Retry-After parsing. */
public final class HttpSupport {
    private HttpSupport() {}

    /** Sends; a network fault or an interrupt (shutdown) becomes Retriable, the batch stays pending. */
    public static HttpReply send(VendorHttp http, String method, URI uri, Map<String, String> headers, byte[] body,
                                 String contentType, Duration timeout) throws DeliveryException.Retriable {
        try {
            return http.send(method, uri, headers, body, contentType, timeout);
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) throw new DeliveryException.Retriable("interrupted (shutting down)", null, e);
            throw new DeliveryException.Retriable(method + " " + uri.getPath() + ": " + e, null, e);
        } catch (IOException e) {
            throw new DeliveryException.Retriable(method + " " + uri.getPath() + ": " + e, null, e);
        }
    }

    /** Retry-After as delta-seconds or HTTP-date, at most a day ({@link io.cohort.vendor.RetryAfter}); null when absent or unreadable. */
    public static Duration retryAfter(HttpReply response, Clock clock) {
        return io.cohort.vendor.RetryAfter.of(response, clock);
    }

    /** A short, log-safe excerpt of a response body for error messages. */
    public static String excerpt(String body) {
        if (body == null) return "";
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
    }
}
