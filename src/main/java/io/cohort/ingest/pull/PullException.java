package io.cohort.ingest.pull;

import java.time.Duration;
import java.time.Instant;

/**
 * Why a sync step failed, as a type the runner acts on: {@link Transient} is retried after a
 * back-off, {@link QuotaExhausted} waits for the vendor's quota reset, {@link Fatal} needs a
 * person (bad credentials, missing permission, bad config) and is retried slowly.
 */
public abstract sealed class PullException extends Exception {
    protected PullException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A network fault, a 5xx, a rate or concurrency limit: try again. */
    public static final class Transient extends PullException {
        private final Duration retryAfter;

        public Transient(String message, Duration retryAfter, Throwable cause) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }

        public Transient(String message) { this(message, null, null); }

        /** What the vendor asked for (Retry-After, a documented window), or null. */
        public Duration retryAfter() { return retryAfter; }
    }

    /** The vendor's daily quota is spent. */
    public static final class QuotaExhausted extends PullException {
        private final Instant until;

        public QuotaExhausted(String message, Instant until) {
            super(message, null);
            this.until = until;
        }

        public Instant until() { return until; }
    }

    /** Retrying soon will not help. */
    public static final class Fatal extends PullException {
        public Fatal(String message, Throwable cause) { super(message, cause); }

        public Fatal(String message) { this(message, null); }
    }
}
