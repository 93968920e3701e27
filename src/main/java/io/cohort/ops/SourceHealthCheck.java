package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.ingest.pull.SyncStatusView;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A pulled source is unhealthy while one of its streams keeps failing for longer than
 * {@code tolerance} (a short vendor outage is retried without alarm), or while its data is older
 * than {@code maxLag}; in cluster mode also while no node runs it (state "unassigned").
 */
public final class SourceHealthCheck extends HealthCheck {
    private final Supplier<SyncStatusView> status;
    private final Duration tolerance;
    private final Duration maxLag;

    /** @param status the source's status: its local runner's, or in cluster mode that of the node running it */
    public SourceHealthCheck(Supplier<SyncStatusView> status, Duration tolerance, Duration maxLag) {
        this.status = status;
        this.tolerance = tolerance;
        this.maxLag = maxLag;
    }

    @Override protected Result check() {
        SyncStatusView s = status.get();
        if (s.state().equals("disabled")) return Result.healthy("pull disabled");
        if (s.state().equals("unassigned")) {
            return Result.unhealthy("no node runs the source (its lease expired and nobody took it over); last run by "
                    + s.runBy() + " at " + s.reportedAt());
        }
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
        return Result.healthy((s.runBy() == null ? "" : "run by " + s.runBy() + ", ") + "last sync " + s.lastSuccessfulSync() + ", lag " + s.lagSeconds() + " s, "
                + s.recordsFetched() + " records, " + s.apiCalls() + " API calls");
    }
}
