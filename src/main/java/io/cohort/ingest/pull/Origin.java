package io.cohort.ingest.pull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * When a source's incremental streams began following it: fixed at the first start and stored
 * (cursor "origin"), so the backfills know where history ends, across restarts.
 */
public final class Origin {
    public static final String STREAM = "origin";

    private final PullContext ctx;
    private final String sourceId;

    public Origin(PullContext ctx, String sourceId) {
        this.ctx = ctx;
        this.sourceId = sourceId;
    }

    /** The stored origin, or now (stored) on the very first call; one value for all streams. */
    public synchronized Instant get() {
        return ctx.cursors().get(sourceId, STREAM).map(Instant::parse).orElseGet(() -> {
            Instant now = ctx.clock().instant().truncatedTo(ChronoUnit.SECONDS);
            ctx.cursors().save(sourceId, Map.of(STREAM, now.toString()), ctx.clock().millis());
            return now;
        });
    }
}
