package io.cohort.ingest.pull;

import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * In-process retries of one API call (resilience4j {@link Retry}): only {@link PullException.Transient}
 * failures, waiting what the vendor asked for (a rate window, Retry-After) or an exponential,
 * jittered back-off. When the attempts are spent the failure goes to the runner, which backs the
 * whole stream off for longer.
 */
public final class VendorRetry {
    private final Retry retry;

    public VendorRetry(String name, int maxAttempts, Duration base, Duration maxWait) {
        IntervalBiFunction<Object> interval = (attempt, result) -> {
            Throwable t = result.isLeft() ? result.getLeft() : null;
            if (t instanceof PullException.Transient tr && tr.retryAfter() != null) {
                return Math.min(tr.retryAfter().toMillis(), maxWait.toMillis());
            }
            long ms = Math.min(maxWait.toMillis(), base.toMillis() << Math.min(16, attempt - 1));
            return ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1);
        };
        this.retry = Retry.of(name, RetryConfig.custom()
                .maxAttempts(maxAttempts)
                .retryExceptions(PullException.Transient.class)
                .intervalBiFunction(interval)
                .build());
    }

    /** A call that may throw the connector's typed failures. */
    @FunctionalInterface
    public interface Call<T> {
        T call() throws PullException, InterruptedException;
    }

    public <T> T run(Call<T> call) throws PullException, InterruptedException {
        try {
            return Retry.decorateCheckedSupplier(retry, call::call).get();
        } catch (PullException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new PullException.Transient(t.toString(), null, t);
        }
    }
}
