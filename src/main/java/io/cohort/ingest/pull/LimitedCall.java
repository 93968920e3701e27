package io.cohort.ingest.pull;

import io.cohort.http.ApiLimits;
import io.cohort.http.HttpTransport;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** One HTTP request within a vendor instance's limits; a network fault is {@link PullException.Transient}. */
public final class LimitedCall {
    private LimitedCall() {}

    public static HttpTransport.Response send(ApiLimits.Instance limits, HttpTransport http, HttpTransport.Request req,
                                              AtomicLong calls) throws PullException, InterruptedException {
        try {
            HttpTransport.Response r = limits.call(() -> http.send(req));
            calls.incrementAndGet();
            return r;
        } catch (IOException e) {
            throw new PullException.Transient(req.method() + " " + req.uri().getPath() + ": " + e, null, e);
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new PullException.Transient(e.toString(), null, e);
        }
    }
}
