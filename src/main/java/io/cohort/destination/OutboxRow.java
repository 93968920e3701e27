package io.cohort.destination;

/**
 * One row of the {@code outbox} table: the latest wanted state of a person in an activation.
 * Pending while {@code seq > deliveredSeq}.
 *
 * @param action          "add" or "remove", the wanted state
 * @param deliveredAction the last action sent (or possibly sent) to the destination; null when
 *                        nothing was ever sent, so the destination cannot hold the person
 * @param nextAttemptAt   epoch ms before which the row must not be retried (backoff)
 */
public record OutboxRow(String activationId, String personId, String action, long seq, String payload,
                        long changedAt, long deliveredSeq, String deliveredAction, int attempts,
                        long nextAttemptAt, String lastError) {

    public static final String ADD = "add";
    public static final String REMOVE = "remove";

    /** A remove for a person the destination never received: nothing to undo there. */
    public boolean isUnsentRemove() {
        return REMOVE.equals(action) && deliveredAction == null;
    }
}
