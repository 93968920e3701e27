package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.ingest.pull.ConnectorRunner;
import io.cohort.ingest.pull.SyncStatusView;
import java.time.Duration;

/**
 * A pulled source is unhealthy while one of its streams keeps failing for longer than
 * {@code tolerance} (a short vendor outage is retried without alarm), or while its data is older
 * than {@code maxLag}.
 */
public final class SourceHealthCheck extends HealthCheck {
    private final ConnectorRunner runner;
    private final Duration tolerance;
    private final Duration maxLag;

    public SourceHealthCheck(ConnectorRunner runner, Duration tolerance, Duration maxLag) {
        this.runner = runner;
        this.tolerance = tolerance;
        this.maxLag = maxLag;
    }

    @Override protected Result check() {
        SyncStatusView s = runner.status();
        if (s.state().equals("disabled")) return Result.healthy("pull disabled");
        java.time.Instant limit = java.time.Instant.now().minus(tolerance);
        for (SyncStatusView.StreamView st : s.streams()) {
            if (st.failingSince() != null && st.failingSince().isBefore(limit)) {
                return Result.unhealthy(st.stream() + " failing since " + st.failingSince() + ": "
                        + (st.lastError() == null ? "?" : st.lastError().message()));
            }
        }
        if (s.lagSeconds() != null && s.lagSeconds() > maxLag.toSeconds()) {
            return Result.unhealthy("data is " + s.lagSeconds() + " s behind (more than " + maxLag.toSeconds() + " s)");
        }
        return Result.healthy("last sync " + s.lastSuccessfulSync() + ", lag " + s.lagSeconds() + " s, "
                + s.recordsFetched() + " records, " + s.apiCalls() + " API calls");
    }
}
