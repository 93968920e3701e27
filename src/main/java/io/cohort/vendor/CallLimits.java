package io.cohort.vendor;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call budgets shared by everything that calls one vendor instance: a resilience4j
 * {@link RateLimiter} (calls per window), a {@link Bulkhead} (concurrent calls) and a daily call
 * count per key. A vendor that counts limits per instance (Marketo: per subscription, whichever
 * integration calls) needs one budget for the destination <em>and</em> the source connector of
 * that instance: both ask this registry with the same key and get the same {@link Budget}.
 *
 * <p>One registry per service, built in {@code run()} and handed to destinations and sources.
 * The first caller of a key sets its {@link Limits}; a later caller asking with other limits
 * gets the existing budget and a warning in the log (configure the same limits on both, or
 * lower ones on the first).
 *
 * <p>Rate: resilience4j counts permits in fixed periods, while vendors such as Marketo count a
 * sliding window, timed when each request <em>arrives</em>. A budget of N calls per window W
 * hands out bursts of {@code max(1, N/10)} per period, with periods long enough that any sliding
 * window of length W meets at most {@code N/burst - 1} of them ({@link #pacing}): one burst of
 * slack for calls that took their permit at the end of a period and reach the vendor in the
 * next. At N=100, W=20 s: 10 calls per 2.5 s, at most 90 in any 20 s. Pacing also keeps a busy
 * user from spending the whole window in its first second and then waiting out the rest.
 */
public final class CallLimits {
    private static final Logger LOG = LoggerFactory.getLogger(CallLimits.class);

    /**
     * What a vendor allows per instance.
     *
     * @param maxCalls      calls per {@code window}, at most
     * @param window        the vendor's (sliding) window
     * @param maxConcurrent calls in flight at once, at most
     * @param maxWait       how long a call may wait for a slot or permit before {@link OverBudgetException}
     * @param dailyQuota    calls per day (0: no daily quota)
     * @param quotaZone     the time zone whose midnight resets the daily quota
     */
    public record Limits(int maxCalls, Duration window, int maxConcurrent, Duration maxWait, long dailyQuota,
                         ZoneId quotaZone) {
        public Limits {
            if (maxCalls < 1 || maxConcurrent < 1) throw new IllegalArgumentException("limits must be at least 1");
            if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive");
            if (dailyQuota < 0) throw new IllegalArgumentException("dailyQuota must not be negative");
        }

        /** Without a daily quota. */
        public Limits(int maxCalls, Duration window, int maxConcurrent, Duration maxWait) {
            this(maxCalls, window, maxConcurrent, maxWait, 0, ZoneOffset.UTC);
        }
    }

    /** A call of {@link Budget#call}: returns a value or throws the caller's own exception type. */
    @FunctionalInterface
    public interface Call<T, E extends Exception> {
        T run() throws E;
    }

    private final MetricRegistry metrics;
    private final Clock clock;
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();

    /** @param clock wall-clock time: the vendors' daily quotas reset at their midnight */
    public CallLimits(MetricRegistry metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The budget of one vendor instance, created with {@code limits} by its first caller.
     *
     * @param key a stable name of the instance, e.g. {@code marketo:123-abc-456.mktorest.com}
     *            (see {@link MarketoLimits#key}); also names its metrics
     *            {@code cohort.limits.<key>.*} (rate permits left, concurrent slots left, refusals,
     *            calls today, quota left)
     */
    public Budget budget(String key, Limits limits) {
        Budget b = budgets.computeIfAbsent(key, k -> new Budget(k, limits, metrics, clock));
        if (!b.limits().equals(limits)) {
            LOG.warn("call budget '{}' was created with {}; a second user asked for {} and shares the first",
                    key, b.limits(), limits);
        }
        return b;
    }

    /** Every budget by key, for status pages. */
    public Map<String, Budget> budgets() { return new TreeMap<>(budgets); }

    /** Period and permits per period for N calls per W: see the class comment. */
    static RateLimiterConfig pacing(Limits l) {
        int burst = Math.max(1, l.maxCalls() / 10);
        int bursts = l.maxCalls() / burst; // per window, before slack
        // A window meets at most periods+1 periods; keep (periods+1) * burst <= N - burst where possible.
        Duration period = bursts >= 3 ? l.window().dividedBy(bursts - 2)
                : bursts == 2 ? l.window() : l.window().multipliedBy(2);
        return RateLimiterConfig.custom().limitForPeriod(burst).limitRefreshPeriod(period)
                .timeoutDuration(l.maxWait()).build();
    }

    /** One instance's rate limiter, bulkhead and daily count. Thread-safe. */
    public static final class Budget {
        private final String key;
        private final Limits limits;
        private final Clock clock;
        private final RateLimiter rate;
        private final Bulkhead concurrency;
        private final Counter refused;
        private LocalDate day;          // guarded by this
        private long callsToday;        // this service's calls, counted here
        private long reportedUsed = -1; // what the vendor last said was used today (all integrations)
        private long callsSinceReport;
        private Instant exhaustedUntil = Instant.MIN;

        private Budget(String key, Limits limits, MetricRegistry metrics, Clock clock) {
            this.key = key;
            this.limits = limits;
            this.clock = clock;
            this.rate = RateLimiter.of(key, pacing(limits));
            this.concurrency = Bulkhead.of(key, BulkheadConfig.custom().maxConcurrentCalls(limits.maxConcurrent())
                    .maxWaitDuration(limits.maxWait()).build());
            this.day = today();
            String base = MetricRegistry.name("cohort.limits", key.replaceAll("[^A-Za-z0-9_-]+", "_"));
            for (String g : new String[] {"ratePermits", "concurrentSlots", "callsToday", "quotaLeft"}) metrics.remove(base + "." + g);
            metrics.register(base + ".ratePermits", (Gauge<Integer>) () -> rate.getMetrics().getAvailablePermissions());
            metrics.register(base + ".concurrentSlots", (Gauge<Integer>) () -> concurrency.getMetrics().getAvailableConcurrentCalls());
            metrics.register(base + ".callsToday", (Gauge<Long>) this::callsToday);
            metrics.register(base + ".quotaLeft", (Gauge<Long>) this::quotaLeft);
            this.refused = metrics.counter(base + ".refused");
        }

        public String key() { return key; }

        public Limits limits() { return limits; }

        /**
         * Runs {@code call} once a concurrency slot and a rate permit are free (slot first, so the
         * permit is taken when the call really starts), counts it against the daily quota, and
         * frees the slot when it returns. Does not check the daily quota: see {@link #blockedUntil()}.
         *
         * @throws OverBudgetException no slot or permit within {@link Limits#maxWait}, or interrupted
         *                             (then the thread's interrupt flag is set)
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
                count();
                return call.run();
            } finally {
                concurrency.onComplete();
            }
        }

        private synchronized void count() {
            rollDay();
            callsToday++;
            callsSinceReport++;
        }

        /** What the vendor reports as used today (Marketo stats/usage.json), including other integrations. */
        public synchronized void reportUsage(long usedToday) {
            rollDay();
            reportedUsed = usedToday;
            callsSinceReport = 0;
        }

        /** Calls used today as best known: the vendor's last report plus our calls since, or our own count. */
        public synchronized long usedToday() {
            rollDay();
            return reportedUsed < 0 ? callsToday : Math.max(callsToday, reportedUsed + callsSinceReport);
        }

        /** This service's calls today (all users of the budget). */
        public synchronized long callsToday() {
            rollDay();
            return callsToday;
        }

        /** Calls left today; -1 when the instance has no daily quota. */
        public synchronized long quotaLeft() {
            if (limits.dailyQuota() == 0) return -1;
            return Math.max(0, limits.dailyQuota() - usedToday());
        }

        /** The vendor said the quota is spent (e.g. Marketo 607): no user calls until the reset. */
        public synchronized void exhausted() { exhaustedUntil = nextReset(); }

        /** When calls may resume, if the daily quota is spent; null otherwise. */
        public synchronized Instant blockedUntil() {
            Instant now = clock.instant();
            if (exhaustedUntil.isAfter(now)) return exhaustedUntil;
            return limits.dailyQuota() > 0 && usedToday() >= limits.dailyQuota() ? nextReset() : null;
        }

        /** The next midnight in the quota's zone. */
        public Instant nextReset() {
            return today().plusDays(1).atStartOfDay(limits.quotaZone()).toInstant();
        }

        public int availableConcurrentCalls() { return concurrency.getMetrics().getAvailableConcurrentCalls(); }

        private LocalDate today() { return LocalDate.ofInstant(clock.instant(), limits.quotaZone()); }

        private void rollDay() {
            LocalDate now = today();
            if (!now.equals(day)) {
                day = now;
                callsToday = 0;
                reportedUsed = -1;
                callsSinceReport = 0;
            }
        }
    }

    /** No permit in time: the caller treats it like the vendor's own rate-limit answer (retry later). */
    public static final class OverBudgetException extends Exception {
        public OverBudgetException(String message) { super(message); }
    }
}
