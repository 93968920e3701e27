package io.cohort.ingest.pull;

import io.cohort.ingest.pull.SyncStatusView.QuotaView;
import java.util.List;

/**
 * A source's pull side: its streams, and what it knows about the vendor's limits. The runner
 * ({@link ConnectorRunner}) owns the threads; a connector only fetches and commits.
 */
public interface Connector {
    String sourceId();

    /** "marketo", "salesforce", "filedrop". */
    String type();

    List<SyncStream> streams();

    /** API calls made since start (0 for connectors without an API). */
    default long apiCalls() { return 0; }

    /** The vendor's quota as known; null when there is none. */
    default QuotaView quota() { return null; }
}
