package io.cohort.vendor;

import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;

/**
 * One more attempt with a fresh access token when the vendor says the one used is no longer
 * good (Marketo 601/602, Salesforce 401 INVALID_SESSION_ID): a resilience4j {@link Retry} of two
 * attempts, no wait, retrying only {@link Rejected}. Other in-process retries (back-off on
 * transient faults) are the callers' {@code Retry}s; durable retry state stays on outbox rows.
 */
public final class FreshTokenRetry {
    private final Retry retry;

    public FreshTokenRetry(String name) {
        this.retry = Retry.of(name, RetryConfig.custom().maxAttempts(2).waitDuration(Duration.ZERO)
                .retryExceptions(Rejected.class).build());
    }

    /** One attempt with whatever token the caller holds; it forgets the token before throwing {@link Rejected}. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /** The vendor refused the token; {@code failure} is what the caller throws if the fresh one is refused too. */
    public static final class Rejected extends Exception {
        private final Exception failure;

        public Rejected(Exception failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    /**
     * Runs {@code attempt}, once more after a {@link Rejected}.
     *
     * @throws Exception what the attempt threw, or the second rejection's {@code failure}
     */
    public <T> T run(Attempt<T> attempt) throws Exception {
        try {
            return retry.executeCheckedSupplier(attempt::run);
        } catch (Rejected e) {
            throw e.failure;
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
