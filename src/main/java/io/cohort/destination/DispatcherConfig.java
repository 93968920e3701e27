package io.cohort.destination;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;
import java.util.concurrent.TimeUnit;

/**
 * How the outbox dispatchers behave (config key {@code dispatcher}). All keys optional:
 * <ul>
 *   <li>{@code pollInterval} (1s): fallback poll when no {@code wakeUp()} signal arrives;</li>
 *   <li>{@code backoffBase} (1s) / {@code backoffMax} (5m): retriable failures wait
 *       {@code base·2^(attempt-1)}, capped at max, with ±50% jitter, unless the destination
 *       gave a retry-after;</li>
 *   <li>{@code fatalRetryInterval} (5m): how often a failed activation tries again, since an
 *       operator may have fixed its configuration;</li>
 *   <li>{@code stopTimeout} (10s): how long {@code stop()} waits for an in-flight batch.</li>
 * </ul>
 */
public class DispatcherConfig {
    @NotNull @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration pollInterval = Duration.seconds(1);
    @NotNull @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration backoffBase = Duration.seconds(1);
    @NotNull @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration backoffMax = Duration.minutes(5);
    @NotNull @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration fatalRetryInterval = Duration.minutes(5);
    @NotNull
    private Duration stopTimeout = Duration.seconds(10);

    @JsonProperty public Duration getPollInterval() { return pollInterval; }
    @JsonProperty public void setPollInterval(Duration d) { this.pollInterval = d; }
    @JsonProperty public Duration getBackoffBase() { return backoffBase; }
    @JsonProperty public void setBackoffBase(Duration d) { this.backoffBase = d; }
    @JsonProperty public Duration getBackoffMax() { return backoffMax; }
    @JsonProperty public void setBackoffMax(Duration d) { this.backoffMax = d; }
    @JsonProperty public Duration getFatalRetryInterval() { return fatalRetryInterval; }
    @JsonProperty public void setFatalRetryInterval(Duration d) { this.fatalRetryInterval = d; }
    @JsonProperty public Duration getStopTimeout() { return stopTimeout; }
    @JsonProperty public void setStopTimeout(Duration d) { this.stopTimeout = d; }
}
