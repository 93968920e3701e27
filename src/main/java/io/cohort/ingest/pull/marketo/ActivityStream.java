package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.SyncStatusView.BackfillView;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Get Lead Activities ({@code /rest/v1/activities.json?nextPageToken=…&activityTypeIds=…}) for up
 * to 10 activity types. The cursor is Marketo's nextPageToken after the last stored page, stored
 * with that page: a restart continues with the next page, never repeating or skipping one.
 * Incremental: from the origin, forever. Backfill: from startDate up to the origin (activities at
 * or after it are the incremental stream's), then done.
 */
final class ActivityStream extends CursorStream {
    private static final Logger LOG = LoggerFactory.getLogger(ActivityStream.class);

    private final MarketoConnector c;
    private final List<Integer> types;
    private final boolean backfill;

    ActivityStream(MarketoConnector c, String name, List<Integer> types, boolean backfill) {
        super(c.sourceId, name, backfill ? Kind.BACKFILL : Kind.INCREMENTAL, c.ctx.cursors());
        this.c = c;
        this.types = List.copyOf(types);
        this.backfill = backfill;
    }

    @Override
    protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
        if (cursor.path("done").asBoolean(false)) return Step.DONE;
        if (!cursor.hasNonNull("token")) {
            Instant from = backfill ? Instant.parse(cursor.path("from").asText(c.config.backfillStart(c.ctx.clock().instant()).toString()))
                    : c.origin();
            ObjectNode start = newCursor();
            start.put("token", c.pagingToken(from));
            start.put("from", from.toString());
            if (backfill) start.put("until", cursor.path("until").asText(c.origin().toString()));
            c.ctx.cursors().save(sourceId, Map.of(name(), text(start)), c.ctx.clock().millis());
            cursor = start;
        }
        if (!backfill) c.checkUsage();
        String ids = types.stream().map(String::valueOf).collect(Collectors.joining(","));
        JsonNode page = c.api.get("/rest/v1/activities.json?batchSize=300&activityTypeIds=" + ids + "&nextPageToken="
                + MarketoApi.enc(cursor.get("token").asText()));
        Instant until = backfill ? Instant.parse(cursor.get("until").asText()) : null;
        List<JsonNode> items = new ArrayList<>();
        Instant latest = null;
        boolean reachedUntil = false;
        for (JsonNode a : MarketoConnector.results(page)) {
            Instant at = date(a.path("activityDate").asText(null));
            if (until != null && at != null && !at.isBefore(until)) {
                reachedUntil = true; // the incremental stream's from here on
                continue;
            }
            items.add(a);
            if (at != null && (latest == null || at.isAfter(latest))) latest = at;
        }
        boolean more = page.path("moreResult").asBoolean(false);
        ObjectNode next = cursor.deepCopy();
        String token = page.path("nextPageToken").asText(null);
        if (token != null) next.put("token", token);
        if (latest != null) next.put("at", latest.toString());
        boolean done = backfill && (reachedUntil || !more);
        if (done) next.put("done", true);
        c.writer.commit(status(), c.map(status(), "activities", items), Map.of(name(), text(next)));
        Instant at = next.hasNonNull("at") ? Instant.parse(next.get("at").asText()) : null;
        if (backfill) progress(next, at, done, items.size());
        else status().currentTo(more ? at : c.ctx.clock().instant());
        if (done) return Step.DONE;
        return more ? Step.MORE : Step.CAUGHT_UP;
    }

    private void progress(ObjectNode cursor, Instant at, boolean done, int n) {
        Instant from = Instant.parse(cursor.get("from").asText());
        Instant until = Instant.parse(cursor.get("until").asText());
        double total = Math.max(1, Duration.between(from, until).toMillis());
        Double pct = done ? 100.0 : at == null ? 0.0 : Math.min(100.0, Math.round(1000.0 * Duration.between(from, at).toMillis() / total) / 10.0);
        status().backfill(new BackfillView(from, until, at, pct, done, null));
        if (n > 0 || done) {
            LOG.info("source {} {}: {} activities stored, now at {} ({}% of {} .. {}){}", sourceId, name(), n, at, pct, from, until,
                    done ? "; backfill done" : "");
        }
    }

    @Override
    public void restart(Instant from) {
        ObjectNode fresh = newCursor();
        fresh.put("from", (from != null ? from : c.config.backfillStart(c.ctx.clock().instant())).toString());
        fresh.put("until", c.ctx.clock().instant().toString());
        cursors.save(sourceId, Map.of(name(), text(fresh)), c.ctx.clock().millis());
        status().backfill(null);
    }

    static Instant date(String s) {
        if (s == null) return null;
        try {
            return OffsetDateTime.parse(s.replaceFirst("([+-]\\d\\d)(\\d\\d)$", "$1:$2")).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
