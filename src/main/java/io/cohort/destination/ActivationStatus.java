package io.cohort.destination;

import java.time.Instant;

/**
 * What an operator needs to know about one activation.
 *
 * @param pending       rows waiting for delivery
 * @param lastSuccessAt the latest delivery (null if none yet)
 * @param lastError     the latest failure message (null after a success)
 * @param failed        true after a fatal failure until a delivery succeeds again
 * @param nextAttemptAt when a backed-off or failed activation tries again (null when not waiting)
 */
public record ActivationStatus(String id, String segment, String destination, long pending,
                               Instant lastSuccessAt, String lastError, Instant lastErrorAt,
                               boolean failed, Instant nextAttemptAt) {}
