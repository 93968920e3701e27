package io.cohort.ingest.pull;

import java.time.Instant;

/**
 * One thing a connector keeps in sync (Marketo activities, Salesforce Accounts, a drop folder),
 * with its own cursor. The runner calls {@link #step()} repeatedly; each step fetches one page or
 * unit of work and commits the records together with the stream's new cursor, so a crash between
 * any two steps — or inside one — resumes at the last committed cursor.
 *
 * <p>Lifecycle: built by its connector; {@link #step()} called by one runner thread at a time;
 * {@link #restart(Instant)} only between steps (the runner guarantees it).
 */
public interface SyncStream {

    /** Incremental streams follow changes forever; a backfill reads history up to a point, then is done. */
    enum Kind { INCREMENTAL, BACKFILL }

    /** What a step left: more to fetch now, nothing new until the next poll, or (backfill) finished. */
    enum Step { MORE, CAUGHT_UP, DONE }

    /** Unique within the source, e.g. "activities" or "leads.backfill"; the cursor's key. */
    String name();

    Kind kind();

    Step step() throws PullException, InterruptedException;

    /** Forgets the cursor and starts over from {@code from} (a re-backfill); null: the configured start. */
    default void restart(Instant from) {}

    StreamStatus status();
}
