package io.cohort.ingest.pull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The write path a pull connector feeds: the same validation, store, identity and evaluation as
 * pushed records, with the connector's new cursors committed in the same transaction
 * (Pipeline#ingestWithCursor).
 */
@FunctionalInterface
public interface BatchWriter {
    /**
     * @param canonical canonical records (already mapped from the vendor's shape), non-empty
     * @param cursors   stream → new cursor value, stored atomically with the records
     * @return the batch sequence number
     * @throws io.cohort.ingest.InvalidBatchException when a record fails validation
     */
    long write(String sourceId, List<JsonNode> canonical, Map<String, String> cursors);
}
