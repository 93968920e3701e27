package io.cohort.ingest.pull;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/sources/{id}/sync}: where a pull connector stands.
 *
 * @param lastSuccessfulSync when every incremental stream last caught up (the oldest of them)
 * @param lagSeconds         seconds between now and the oldest data watermark of the incremental streams
 * @param recordsFetched     records committed since the service started
 * @param apiCalls           API calls since the service started
 * @param runBy              cluster mode: the node that runs the connector (holds its lease); null in single mode
 *                           and while no node holds it
 * @param reportedAt         cluster mode: when {@code runBy} wrote this view (another node answers with the
 *                           holder's last report); null in single mode
 */
public record SyncStatusView(String source, String type, String state, Instant lastSuccessfulSync, Long lagSeconds,
                             long recordsFetched, long recordsRejected, long apiCalls, QuotaView quota,
                             ErrorView lastError, List<StreamView> streams, String runBy, Instant reportedAt) {

    /** This view as reported by {@code node} at {@code at}. */
    public SyncStatusView reportedBy(String node, Instant at) {
        return new SyncStatusView(source, type, state, lastSuccessfulSync, lagSeconds, recordsFetched, recordsRejected, apiCalls,
                quota, lastError, streams, node, at);
    }

    /** Cluster mode: this view's state replaced, e.g. "unassigned" when its holder stopped reporting. */
    public SyncStatusView withState(String newState) {
        return new SyncStatusView(source, type, newState, lastSuccessfulSync, lagSeconds, recordsFetched, recordsRejected, apiCalls,
                quota, lastError, streams, runBy, reportedAt);
    }

    public record StreamView(String stream, String kind, String state, Instant lastSuccess, Instant currentTo,
                             long recordsFetched, long recordsRejected, String lastRejection, ErrorView lastError,
                             Instant failingSince, Instant nextRunAt, BackfillView backfill) {}

    /** A backfill: the history it covers, how far it got, and whether it is done. */
    public record BackfillView(Instant from, Instant to, Instant position, Double percent, boolean done, String detail) {}

    /**
     * The vendor's limits as this service sees them.
     *
     * @param dailyQuota  calls a day (Marketo) or per rolling 24 h (Salesforce); null if unknown
     * @param usedToday   used, by everything using the API user when the vendor reports it
     * @param left        calls left; null if unknown
     * @param blockedUntil set while the quota is spent
     */
    public record QuotaView(Long dailyQuota, Long usedToday, Long left, Instant resetsAt, Instant blockedUntil,
                            Integer concurrentCallsFree) {}

    public record ErrorView(Instant at, String message) {}
}
