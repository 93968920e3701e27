package io.cohort.vendor;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The one reading of a vendor's {@code Retry-After} (RFC 9110 §10.2.3: delta-seconds or an
 * HTTP-date), for destinations and pulled sources alike. A hint is honoured up to {@link #MAX}:
 * a proxy's or a buggy server's "9999999999" paused a destination for 317 years, and
 * "9223372036854775807" overflowed when turned into milliseconds, so the outbox retried at once,
 * hammering the vendor that had asked it to wait. A day covers every documented quota reset.
 */
public final class RetryAfter {
    /** The longest wait a hint can ask for. */
    public static final Duration MAX = Duration.ofDays(1);
    private static final java.util.regex.Pattern DELTA_SECONDS = java.util.regex.Pattern.compile("[0-9]+");

    private RetryAfter() {}

    /** The hint of {@code reply}, at most {@link #MAX}; null when absent or not one of the two forms (then the caller's own backoff applies). */
    public static Duration of(HttpReply reply, Clock clock) {
        String v = reply.header("Retry-After").map(String::trim).orElse("");
        if (v.isEmpty()) return null;
        if (DELTA_SECONDS.matcher(v).matches()) {
            // More digits than a long holds is "a very long time", not unreadable.
            return v.length() > 9 ? MAX : min(Duration.ofSeconds(Long.parseLong(v)));
        }
        try {
            Duration d = Duration.between(clock.instant(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return d.isNegative() ? Duration.ZERO : min(d);
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    private static Duration min(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
