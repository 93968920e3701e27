package io.cohort.ingest.pull;

import java.util.List;

/**
 * Keys of what a source has stored, for snapshots that must turn "no longer there" into deletes
 * (a Marketo static list's members) and for refreshing known records (Marketo companies).
 */
@FunctionalInterface
public interface StoredKeys {
    /** Keys of the source's stored records of {@code type} (wire name) starting with {@code prefix}. */
    List<String> keys(String source, String type, String prefix);
}
