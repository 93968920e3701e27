package io.cohort.ingest.pull;

import io.cohort.vendor.CallLimits;
import io.cohort.vendor.HttpReply;
import io.cohort.vendor.VendorHttp;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One HTTP request within a vendor instance's shared budget ({@link CallLimits.Budget}): a
 * network fault, or no permit in time, is {@link PullException.Transient}; a stop while waiting
 * is {@link InterruptedException}.
 */
public final class LimitedCall {
    private LimitedCall() {}

    /** Sends a request with an optional body ({@code contentType} then names its type). */
    public static HttpReply send(CallLimits.Budget budget, VendorHttp http, String method, URI uri, Map<String, String> headers,
                                 byte[] body, String contentType, Duration timeout, AtomicLong calls)
            throws PullException, InterruptedException {
        return within(budget, method, uri, calls, () -> http.send(method, uri, headers, body, contentType, timeout));
    }

    /** Opens a request whose answer is read as a stream (the caller closes it). */
    public static VendorHttp.Streamed open(CallLimits.Budget budget, VendorHttp http, URI uri, Map<String, String> headers,
                                           Duration timeout, AtomicLong calls) throws PullException, InterruptedException {
        return within(budget, "GET", uri, calls, () -> http.open("GET", uri, headers, timeout));
    }

    /** A request outside any budget (a vendor's token endpoint, which its limits do not count). */
    public static HttpReply unlimited(VendorHttp http, String method, URI uri, Map<String, String> headers, byte[] body,
                                      String contentType, Duration timeout, AtomicLong calls)
            throws PullException, InterruptedException {
        try {
            HttpReply r = http.send(method, uri, headers, body, contentType, timeout);
            calls.incrementAndGet();
            return r;
        } catch (IOException e) {
            throw fault(method, uri, e);
        }
    }

    private static <T> T within(CallLimits.Budget budget, String method, URI uri, AtomicLong calls,
                                CallLimits.Call<T, IOException> call) throws PullException, InterruptedException {
        try {
            T r = budget.call(call);
            calls.incrementAndGet();
            return r;
        } catch (CallLimits.OverBudgetException e) {
            if (Thread.interrupted()) throw new InterruptedException(e.getMessage());
            throw new PullException.Transient("call budget " + budget.key() + ": " + e.getMessage(), null, e);
        } catch (IOException e) {
            throw fault(method, uri, e);
        }
    }

    private static PullException fault(String method, URI uri, IOException e) throws InterruptedException {
        if (e instanceof InterruptedIOException && Thread.interrupted()) throw new InterruptedException("stopped during " + method + " " + uri.getPath());
        return new PullException.Transient(method + " " + uri.getPath() + ": " + e, null, e);
    }
}
