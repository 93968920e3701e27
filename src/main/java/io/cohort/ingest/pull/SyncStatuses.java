package io.cohort.ingest.pull;

import java.util.Optional;
import java.util.Set;

/**
 * Where the pulled sources stand, for the API and the health checks: in single mode the local
 * runners ({@link Connectors}); in cluster mode whichever node runs each source (io.cohort.cluster.ClusterPulls).
 */
public interface SyncStatuses {
    /** Empty when {@code sourceId} has no pull: block. */
    Optional<SyncStatusView> status(String sourceId);

    /** Every source with a pull: block. */
    Set<String> pulled();
}
