package io.cohort.destination;

import java.time.Duration;

/** A failed delivery: {@link Retriable} or {@link Fatal}. */
public abstract sealed class DeliveryException extends Exception {

    protected DeliveryException(String message, Throwable cause) { super(message, cause); }

    /** Trying again later can succeed; {@code retryAfter} is the destination's hint, or null. */
    public static final class Retriable extends DeliveryException {
        private final Duration retryAfter;

        public Retriable(String message, Duration retryAfter, Throwable cause) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }

        public Retriable(String message) { this(message, null, null); }

        public Duration retryAfter() { return retryAfter; }
    }

    /** Trying again cannot succeed until an operator acts (credentials, missing list…). */
    public static final class Fatal extends DeliveryException {
        public Fatal(String message, Throwable cause) { super(message, cause); }

        public Fatal(String message) { this(message, null); }
    }
}
