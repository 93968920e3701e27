package io.cohort.ingest.pull;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The {@code pull:} block of a source: Cohort fetches the source's data itself. Keys common to
 * every connector; each vendor's block adds its own (docs/sources.md lists them all).
 */
public abstract class PullSettings {
    /** false: configured but not running (pushing to the source still works). */
    @JsonProperty private boolean enabled = true;
    /** How often the incremental streams look for changes once caught up. */
    @NotNull @JsonProperty private Duration pollInterval = Duration.minutes(5);
    /** The oldest data the first backfill fetches (UTC date); default 90 days before the first start. */
    @JsonProperty private LocalDate startDate;
    /** Longest wait between retries after errors. */
    @NotNull @JsonProperty private Duration maxBackoff = Duration.minutes(10);
    /** Per-request timeout of API calls. */
    @NotNull @JsonProperty private Duration requestTimeout = Duration.seconds(60);

    public boolean isEnabled() { return enabled; }
    public Duration getPollInterval() { return pollInterval; }
    public LocalDate getStartDate() { return startDate; }
    public Duration getMaxBackoff() { return maxBackoff; }
    public Duration getRequestTimeout() { return requestTimeout; }

    public void setEnabled(boolean v) { enabled = v; }
    public void setPollInterval(Duration v) { pollInterval = v; }
    public void setStartDate(LocalDate v) { startDate = v; }
    public void setMaxBackoff(Duration v) { maxBackoff = v; }
    public void setRequestTimeout(Duration v) { requestTimeout = v; }

    /** The start of the first backfill. */
    public Instant backfillStart(Instant now) {
        return startDate != null ? startDate.atStartOfDay(ZoneOffset.UTC).toInstant() : now.minus(java.time.Duration.ofDays(90));
    }

    public java.time.Duration poll() { return java.time.Duration.ofMillis(pollInterval.toMilliseconds()); }

    public java.time.Duration timeout() { return java.time.Duration.ofMillis(requestTimeout.toMilliseconds()); }

    @AssertTrue(message = "pollInterval must be at least 100ms")
    public boolean isPollIntervalValid() { return pollInterval == null || pollInterval.toMilliseconds() >= 100; }

    /** Builds the connector of source {@code sourceId}. */
    public abstract Connector build(String sourceId, PullContext context);
}
