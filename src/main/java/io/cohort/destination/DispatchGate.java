package io.cohort.destination;

/**
 * Whether this process may deliver an activation's outbox now. One process per database: always.
 * Cluster mode: only while it holds the activation's lease, so exactly one process of the
 * cluster dispatches each activation (delivery stays at least once and idempotent: a takeover
 * resends what the previous holder had not acknowledged).
 */
public interface DispatchGate {
    /** Asked before every dispatcher round; takes or renews whatever the gate needs. */
    boolean open(String activationId);

    /** The dispatcher stopped: give up whatever {@link #open} took. */
    default void close(String activationId) {}

    DispatchGate ALWAYS = id -> true;
}
