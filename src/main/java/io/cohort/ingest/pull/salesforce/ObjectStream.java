package io.cohort.ingest.pull.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.SyncStatusView.BackfillView;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sObject, read by SOQL ordered by SystemModstamp and paged with nextRecordsUrl.
 *
 * <p>Incremental ({@code backfillOf == null}): {@code queryAll … WHERE SystemModstamp >=
 * watermark − overlap}, so deleted rows come too and become deletes ({@code query} instead with
 * {@code deletes: getDeleted}, see {@link DeleteLogStream}). The cursor holds the
 * watermark (the newest SystemModstamp stored) and the rows stored within the overlap window
 * (id → SystemModstamp), so re-reading the window skips what is already stored: a row is
 * stored again only if it changed. Written with each page.
 *
 * <p>Backfill: {@code query … WHERE SystemModstamp < until} (and ≥ startDate when configured),
 * from the oldest; the cursor holds how far it got. When done it rewinds the incremental stream
 * to {@code until}: rows stored by the backfill are the state when it read them, and a change
 * the incremental stream stored meanwhile must win, so those changes are read again.
 */
final class ObjectStream extends CursorStream {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectStream.class);
    private static final int MAX_RECENT = 50_000;
    private static final DateTimeFormatter SOQL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private final SalesforceConnector c;
    private final String object;
    private final ObjectStream backfillOf;
    private String next; // nextRecordsUrl of the query in progress (in memory: locators expire anyway)

    ObjectStream(SalesforceConnector c, String object, ObjectStream backfillOf) {
        super(c.sourceId, backfillOf == null ? object : object + ".backfill", backfillOf == null ? Kind.INCREMENTAL : Kind.BACKFILL,
                c.ctx.cursors());
        this.c = c;
        this.object = object;
        this.backfillOf = backfillOf;
    }

    String object() { return object; }

    @Override
    protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
        return backfillOf == null ? incremental(cursor) : backfill(cursor);
    }

    private Step incremental(ObjectNode cursor) throws PullException, InterruptedException {
        Instant watermark = cursor.hasNonNull("watermark") ? Instant.parse(cursor.get("watermark").asText()) : c.origin();
        JsonNode page;
        if (next == null) {
            Instant since = watermark.minus(c.config.overlapDuration()).truncatedTo(ChronoUnit.SECONDS);
            page = c.api.query(select() + " WHERE SystemModstamp >= " + SOQL.format(since.atOffset(java.time.ZoneOffset.UTC))
                    + " ORDER BY SystemModstamp ASC", c.config.queryAll(object));
        } else {
            page = nextPage();
            if (page == null) return Step.MORE;
        }
        Map<String, String> recent = new LinkedHashMap<>();
        cursor.path("recent").fields().forEachRemaining(e -> recent.put(e.getKey(), e.getValue().asText()));
        List<JsonNode> fresh = new ArrayList<>();
        Instant newest = watermark;
        for (JsonNode r : page.path("records")) {
            String id = r.path("Id").asText();
            String stamp = r.path("SystemModstamp").asText("");
            Instant at = instant(stamp);
            if (stamp.equals(recent.get(id))) continue; // stored already, unchanged since
            fresh.add(r);
            if (at != null) {
                recent.put(id, stamp);
                if (at.isAfter(newest)) newest = at;
            }
        }
        // Keep only what the next overlap window can return again.
        Instant keepFrom = newest.minus(c.config.overlapDuration()).minusSeconds(1);
        recent.values().removeIf(s -> {
            Instant at = instant(s);
            return at == null || at.isBefore(keepFrom);
        });
        ObjectNode nextCursor = newCursor();
        nextCursor.put("watermark", newest.toString());
        if (recent.size() <= MAX_RECENT) {
            ObjectNode r = nextCursor.putObject("recent");
            recent.forEach(r::put);
        }
        c.writer.commit(status(), map(fresh), Map.of(name(), text(nextCursor)));
        boolean done = page.path("done").asBoolean(true);
        next = done ? null : page.path("nextRecordsUrl").asText(null);
        status().currentTo(done ? c.ctx.clock().instant() : newest);
        return done ? Step.CAUGHT_UP : Step.MORE;
    }

    private Step backfill(ObjectNode cursor) throws PullException, InterruptedException {
        if (cursor.path("done").asBoolean(false)) return Step.DONE;
        Instant from = cursor.hasNonNull("from") ? Instant.parse(cursor.get("from").asText())
                : c.config.getStartDate() == null ? null : c.config.backfillStart(c.ctx.clock().instant());
        Instant until = cursor.hasNonNull("until") ? Instant.parse(cursor.get("until").asText()) : c.origin();
        Instant position = cursor.hasNonNull("position") ? Instant.parse(cursor.get("position").asText()) : from;
        JsonNode page;
        if (next == null) {
            String where = " WHERE SystemModstamp < " + soql(until)
                    + (position == null ? "" : " AND SystemModstamp >= " + soql(position));
            page = c.api.query(select() + where + " ORDER BY SystemModstamp ASC", false);
        } else {
            page = nextPage();
            if (page == null) return Step.MORE;
        }
        List<JsonNode> rows = new ArrayList<>();
        page.path("records").forEach(rows::add);
        Instant newest = position;
        for (JsonNode r : rows) {
            Instant at = instant(r.path("SystemModstamp").asText(""));
            if (at != null && (newest == null || at.isAfter(newest))) newest = at;
        }
        boolean done = page.path("done").asBoolean(true);
        ObjectNode nextCursor = newCursor();
        if (from != null) nextCursor.put("from", from.toString());
        nextCursor.put("until", until.toString());
        // A restart re-queries from the newest stamp stored (rows with that stamp again: keyed, harmless).
        if (newest != null) nextCursor.put("position", newest.truncatedTo(ChronoUnit.SECONDS).toString());
        if (done) {
            nextCursor.put("done", true);
            finish(nextCursor, rows, until);
        } else {
            c.writer.commit(status(), map(rows), Map.of(name(), text(nextCursor)));
        }
        next = done ? null : page.path("nextRecordsUrl").asText(null);
        double pct = done ? 100.0 : from == null || newest == null ? 0.0
                : Math.round(1000.0 * Duration.between(from, newest).toMillis() / Math.max(1, Duration.between(from, until).toMillis())) / 10.0;
        status().backfill(new BackfillView(from, until, newest, pct, done,
                status().records() + " rows of " + page.path("totalSize").asText("?") + " in this query"));
        LOG.info("source {} {}: {} rows stored, now at SystemModstamp {}{}", sourceId, name(), rows.size(), newest,
                done ? "; backfill done" : "");
        return done ? Step.DONE : Step.MORE;
    }

    /** The last page and the rewind of the incremental stream, in one transaction. */
    private void finish(ObjectNode done, List<JsonNode> rows, Instant until) throws PullException, InterruptedException {
        backfillOf.lock().lockInterruptibly();
        try {
            ObjectNode inc = backfillOf.cursor();
            Instant wm = inc.hasNonNull("watermark") ? Instant.parse(inc.get("watermark").asText()) : until;
            ObjectNode rewound = newCursor();
            rewound.put("watermark", (wm.isBefore(until) ? wm : until).toString());
            Map<String, String> both = new LinkedHashMap<>();
            both.put(name(), text(done));
            both.put(backfillOf.name(), text(rewound));
            backfillOf.next = null;
            c.writer.commit(status(), map(rows), both);
        } finally {
            backfillOf.lock().unlock();
        }
    }

    /** The next page, or null when the query locator expired (the query starts over from the cursor). */
    private JsonNode nextPage() throws PullException, InterruptedException {
        try {
            return c.api.next(next);
        } catch (PullException.Fatal e) {
            if (!e.getMessage().contains("INVALID_QUERY_LOCATOR")) throw e;
            LOG.info("source {} {}: query locator expired; querying again from the cursor", sourceId, name());
            next = null;
            return null;
        }
    }

    @Override
    public void restart(Instant from) {
        ObjectNode fresh = newCursor();
        Instant start = from != null ? from : c.config.getStartDate() == null ? null : c.config.backfillStart(c.ctx.clock().instant());
        if (start != null) fresh.put("from", start.toString());
        fresh.put("until", c.ctx.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString());
        cursors.save(sourceId, Map.of(name(), text(fresh)), c.ctx.clock().millis());
        next = null;
        status().backfill(null);
    }

    private String select() {
        return "SELECT " + String.join(", ", c.config.fields(object)) + " FROM " + object;
    }

    /**
     * Through the source's mapper; SystemModstamp is sync bookkeeping, not an attribute of the
     * record, but with the Id it is the row's version: a row set aside counts once per version,
     * however often the overlap window or a backfill reads it again.
     */
    private List<ObjectNode> map(List<JsonNode> rows) throws PullException {
        List<JsonNode> copies = new ArrayList<>(rows.size());
        Map<JsonNode, String> versions = new java.util.IdentityHashMap<>();
        for (JsonNode r : rows) {
            ObjectNode copy = r.deepCopy();
            copy.remove("SystemModstamp");
            copies.add(copy);
            if (r.hasNonNull("Id") && r.hasNonNull("SystemModstamp")) {
                versions.put(copy, object + " " + r.get("Id").asText() + " " + r.get("SystemModstamp").asText());
            }
        }
        return c.map(status(), object, copies, versions::get);
    }

    private static String soql(Instant t) {
        return SOQL.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(java.time.ZoneOffset.UTC));
    }

    /** "2026-11-02T09:12:44.000+0000" (how Salesforce writes datetimes) or ISO-8601. */
    static Instant instant(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return OffsetDateTime.parse(s.replaceFirst("([+-]\\d\\d)(\\d\\d)$", "$1:$2")).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
