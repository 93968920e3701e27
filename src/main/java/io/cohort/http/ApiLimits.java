package io.cohort.http;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One set of call limits per vendor API instance, keyed by the instance's base URL, shared by
 * everything in the service that calls that instance (a Marketo source connector and the
 * Marketo destination of the same instance must not each think they own the 100 calls per 20 s).
 *
 * <p>An {@link Instance} holds a resilience4j {@link RateLimiter} (calls per window), a
 * {@link Bulkhead} (concurrent calls) and a daily call count against the vendor's daily quota.
 * Vendors count their windows as sliding windows; resilience4j refills fixed periods. So the
 * window is split into ten periods and each gets {@code callsPerWindow / 12} permits: any sliding
 * window overlaps at most eleven periods, and the twelfth part is slack for threads that start a
 * reserved call late (ApiLimitsTest measured two calls over with {@code / 11}). 100 per 20 s
 * becomes 8 per 2 s, at most 88 in any 20 s; calls are paced instead of bursting the whole
 * window's budget at once.
 *
 * <p>One registry per service (built in the application's wiring, never static).
 */
public final class ApiLimits {
    /**
     * @param callsPerWindow at most this many calls in any {@code window}
     * @param maxConcurrent  at most this many calls in flight
     * @param dailyQuota     calls per day (0: no daily quota)
     * @param quotaZone      the time zone whose midnight resets the daily quota
     */
    public record Spec(int callsPerWindow, Duration window, int maxConcurrent, long dailyQuota, ZoneId quotaZone) {
        public Spec {
            if (callsPerWindow < 1 || maxConcurrent < 1 || window.isNegative() || window.isZero() || dailyQuota < 0) {
                throw new IllegalArgumentException("invalid call limits: " + callsPerWindow + " per " + window
                        + ", " + maxConcurrent + " concurrent, " + dailyQuota + " a day");
            }
        }
    }

    private final ConcurrentMap<String, Instance> instances = new ConcurrentHashMap<>();
    private final Clock clock;

    public ApiLimits(Clock clock) {
        this.clock = clock;
    }

    /**
     * The limits of the instance at {@code baseUrl}; the first caller's spec sets them, later
     * callers share them (a later, stricter spec lowers nothing: configure the limits once, on
     * whichever side of the instance is configured first).
     */
    public Instance forInstance(String baseUrl, Spec spec) {
        return instances.computeIfAbsent(key(baseUrl), k -> new Instance(k, spec));
    }

    /** Every instance by key, for status pages. */
    public Map<String, Instance> instances() { return new TreeMap<>(instances); }

    /** The registry key: scheme and host lower-case, default port dropped, path without trailing '/' or "/rest". */
    public static String key(String baseUrl) {
        URI u = URI.create(baseUrl.trim());
        String scheme = u.getScheme() == null ? "https" : u.getScheme().toLowerCase(Locale.ROOT);
        String host = u.getHost() == null ? String.valueOf(u.getAuthority()) : u.getHost().toLowerCase(Locale.ROOT);
        int port = u.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        String path = u.getPath() == null ? "" : u.getPath().replaceAll("/+$", "");
        if (path.endsWith("/rest")) path = path.substring(0, path.length() - "/rest".length());
        return scheme + "://" + host + (defaultPort ? "" : ":" + port) + path;
    }

    /** The limits of one vendor instance. Thread-safe. */
    public final class Instance {
        private final String key;
        private final Spec spec;
        private final RateLimiter rate;
        private final Bulkhead bulkhead;
        private LocalDate day;          // guarded by this
        private long callsToday;        // counted here, this service's calls
        private long reportedUsed = -1; // what the vendor last said was used today (all integrations)
        private long callsSinceReport;
        private Instant exhaustedUntil = Instant.MIN;

        private Instance(String key, Spec spec) {
            this.key = key;
            this.spec = spec;
            Duration period = spec.window().dividedBy(10);
            this.rate = RateLimiter.of(key, RateLimiterConfig.custom()
                    .limitForPeriod(Math.max(1, spec.callsPerWindow() / 12))
                    .limitRefreshPeriod(period.isZero() ? Duration.ofMillis(1) : period)
                    .timeoutDuration(Duration.ofMinutes(10))
                    .build());
            this.bulkhead = Bulkhead.of(key, BulkheadConfig.custom()
                    .maxConcurrentCalls(spec.maxConcurrent())
                    .maxWaitDuration(Duration.ofMinutes(10))
                    .build());
            this.day = today();
        }

        public String key() { return key; }

        public Spec spec() { return spec; }

        /**
         * Runs one API call within the limits: waits for a concurrency slot and a rate permit,
         * counts the call against the daily quota.
         */
        public <T> T call(Callable<T> call) throws Exception {
            return Bulkhead.decorateCallable(bulkhead, () -> {
                RateLimiter.waitForPermission(rate);
                count();
                return call.call();
            }).call();
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

        public synchronized long callsToday() {
            rollDay();
            return callsToday;
        }

        /** Calls left today; -1 when the instance has no daily quota. */
        public synchronized long quotaLeft() {
            if (spec.dailyQuota() == 0) return -1;
            return Math.max(0, spec.dailyQuota() - usedToday());
        }

        /** The vendor said the quota is spent (e.g. Marketo 607): nobody calls until the reset. */
        public synchronized void exhausted() { exhaustedUntil = nextReset(); }

        /** When calls may resume, if the daily quota is spent; null otherwise. */
        public synchronized Instant blockedUntil() {
            Instant now = clock.instant();
            if (exhaustedUntil.isAfter(now)) return exhaustedUntil;
            return spec.dailyQuota() > 0 && usedToday() >= spec.dailyQuota() ? nextReset() : null;
        }

        public Instant nextReset() {
            return today().plusDays(1).atStartOfDay(spec.quotaZone()).toInstant();
        }

        public int availableConcurrentCalls() { return bulkhead.getMetrics().getAvailableConcurrentCalls(); }

        private LocalDate today() { return LocalDate.ofInstant(clock.instant(), spec.quotaZone()); }

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
}
