package io.cohort.destination;

import java.util.List;
import java.util.Map;

/**
 * A place audiences are pushed to. The dispatcher drives each destination through this lifecycle:
 * <ol>
 *   <li>{@link DestinationFactory#build} from config at start-up;</li>
 *   <li>{@link #validateActivation} for every activation bound to it (a bad parameter fails
 *       start-up with a message naming the activation);</li>
 *   <li>{@link #check()} at start-up and from the health check: can we reach and authenticate?</li>
 *   <li>{@link #deliver} repeatedly, one batch of at most {@link #maxBatchSize()} changes of one
 *       activation at a time, in order. Per person only the latest state is sent. Delivery must
 *       be idempotent: the same batch may be delivered again after a crash or a retry;</li>
 *   <li>{@link #close()} on shutdown.</li>
 * </ol>
 * Failures: throw {@link DeliveryException.Retriable} when trying again later can succeed
 * (network, 429, 5xx, rate limits: the dispatcher backs off exponentially with jitter), or
 * {@link DeliveryException.Fatal} when it cannot (bad credentials, unknown list): the
 * activation stops and reports. Members the destination refuses individually are returned as
 * {@link Rejection}s and do not fail the batch.
 */
public interface Destination extends AutoCloseable {

    /** The largest batch one {@link #deliver} call accepts (e.g. Marketo: 300, LinkedIn: 5000). */
    int maxBatchSize();

    /** Validates an activation's parameters; returns error messages, empty when valid. */
    List<String> validateActivation(Map<String, String> params);

    /** A cheap connection/authentication check. */
    ConnectionCheck check();

    /** Delivers one ordered batch of changes of one activation. */
    DeliveryResult deliver(Activation activation, List<AudienceChange> changes) throws DeliveryException;

    @Override
    default void close() {}
}
