package io.cohort.ingest.pull;

import java.util.Map;
import java.util.Optional;

/**
 * Where the streams of a source stand, as stored (store.CursorStore). Values are each stream's own
 * JSON; a connector reads them at start and after a reset, and writes them through
 * {@link BatchWriter} together with the records they led to.
 */
public interface CursorBook {
    Optional<String> get(String source, String stream);

    /** Writes cursors without records (a page that held nothing); a null value deletes one. */
    void save(String source, Map<String, String> cursors, long atMillis);

    void delete(String source, String stream);
}
