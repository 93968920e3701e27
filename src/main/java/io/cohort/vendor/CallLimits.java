package io.cohort.vendor;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call budgets shared by everything that calls one vendor instance: a resilience4j
 * {@link RateLimiter} (calls per window) and {@link Bulkhead} (concurrent calls) per key. A vendor
 * that counts limits per instance (Marketo: per subscription, whichever integration calls) needs
 * one budget for the destination <em>and</em> the source connector of that instance: both ask
 * this registry with the same key and get the same {@link Budget}.
 *
 * <p>One registry per service, built in {@code run()} and handed to destinations and sources.
 * The first caller of a key sets its {@link Limits}; a later caller asking with other limits
 * gets the existing budget and a warning in the log (configure the same limits on both, or
 * lower ones on the first).
 *
 * <p>Rate: resilience4j counts permits in fixed periods, while vendors such as Marketo count a
 * sliding window. A budget of N calls per window W therefore hands out a burst of
 * {@code max(1, N/10)} per period, with as many periods per W as keep any sliding window of
 * length W at N or fewer ({@link #pacing}); at N=100, W=20 s that is 10 calls per 2.22 s (90 per
 * window at most in steady state). Pacing also keeps a busy audience from spending the whole
 * window in its first seconds and then waiting out the rest.
 */
public final class CallLimits {
    private static final Logger LOG = LoggerFactory.getLogger(CallLimits.class);

    /**
     * What a vendor allows per instance.
     *
     * @param maxCalls      calls per {@code window}, at most
     * @param window        the vendor's (sliding) window
     * @param maxConcurrent calls in flight at once, at most
     * @param maxWait       how long a call may wait for a permit before {@link OverBudgetException}
     */
    public record Limits(int maxCalls, Duration window, int maxConcurrent, Duration maxWait) {
        public Limits {
            if (maxCalls < 1 || maxConcurrent < 1) throw new IllegalArgumentException("limits must be at least 1");
            if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive");
        }
    }

    /** A call of {@link Budget#call}: returns a value or throws the caller's own exception type. */
    @FunctionalInterface
    public interface Call<T, E extends Exception> {
        T run() throws E;
    }

    private final MetricRegistry metrics;
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();

    public CallLimits(MetricRegistry metrics) {
        this.metrics = metrics;
    }

    /**
     * The budget of one vendor instance, created with {@code limits} by its first caller.
     *
     * @param key a stable name of the instance, e.g. {@code marketo:123-abc-456.mktorest.com}
     *            (see {@link MarketoLimits#key}); also names its metrics
     *            {@code cohort.limits.<key>.*} (rate permits left, concurrent slots left, refusals)
     */
    public Budget budget(String key, Limits limits) {
        Budget b = budgets.computeIfAbsent(key, k -> new Budget(k, limits, metrics));
        if (!b.limits().equals(limits)) {
            LOG.warn("call budget '{}' was created with {}; a second user asked for {} and shares the first",
                    key, b.limits(), limits);
        }
        return b;
    }

    /** Period and permits per period for N calls per W: see the class comment. */
    static RateLimiterConfig pacing(Limits l) {
        int burst = Math.max(1, l.maxCalls() / 10);
        int periods = Math.max(1, l.maxCalls() / burst - 1);
        Duration period = l.window().dividedBy(periods);
        return RateLimiterConfig.custom().limitForPeriod(burst).limitRefreshPeriod(period)
                .timeoutDuration(l.maxWait()).build();
    }

    /** One instance's rate limiter and bulkhead. Thread-safe. */
    public static final class Budget {
        private final Limits limits;
        private final RateLimiter rate;
        private final Bulkhead concurrency;
        private final Counter refused;

        private Budget(String key, Limits limits, MetricRegistry metrics) {
            this.limits = limits;
            this.rate = RateLimiter.of(key, pacing(limits));
            this.concurrency = Bulkhead.of(key, BulkheadConfig.custom().maxConcurrentCalls(limits.maxConcurrent())
                    .maxWaitDuration(limits.maxWait()).build());
            String base = MetricRegistry.name("cohort.limits", key.replaceAll("[^A-Za-z0-9_-]+", "_"));
            metrics.remove(base + ".ratePermits");
            metrics.remove(base + ".concurrentSlots");
            metrics.register(base + ".ratePermits", (Gauge<Integer>) () -> rate.getMetrics().getAvailablePermissions());
            metrics.register(base + ".concurrentSlots", (Gauge<Integer>) () -> concurrency.getMetrics().getAvailableConcurrentCalls());
            this.refused = metrics.counter(base + ".refused");
        }

        public Limits limits() { return limits; }

        /**
         * Runs {@code call} once a concurrency slot and a rate permit are free (slot first, so the
         * permit is taken when the call really starts), and frees the slot when it returns.
         *
         * @throws OverBudgetException no slot or permit within {@link Limits#maxWait}, or interrupted
         */
        public <T, E extends Exception> T call(Call<T, E> call) throws E, OverBudgetException {
            try {
                if (!concurrency.tryAcquirePermission()) {
                    refused.inc();
                    throw new OverBudgetException("more than " + limits.maxConcurrent() + " concurrent calls for "
                            + limits.maxWait().toMillis() + " ms");
                }
            } catch (io.github.resilience4j.core.exception.AcquirePermissionCancelledException e) {
                Thread.currentThread().interrupt();
                throw new OverBudgetException("interrupted while waiting for a concurrency slot");
            }
            try {
                if (!rate.acquirePermission()) {
                    refused.inc();
                    throw new OverBudgetException(Thread.currentThread().isInterrupted()
                            ? "interrupted while waiting for a rate permit"
                            : "no rate permit within " + limits.maxWait().toMillis() + " ms (" + limits.maxCalls()
                              + " calls per " + limits.window().toMillis() + " ms)");
                }
                return call.run();
            } finally {
                concurrency.onComplete();
            }
        }
    }

    /** No permit in time: the caller treats it like the vendor's own rate-limit answer (retry later). */
    public static final class OverBudgetException extends Exception {
        public OverBudgetException(String message) { super(message); }
    }
}
