package io.cohort.ingest.pull.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullException;
import io.cohort.record.RecordType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes of one sObject from the org's delete log ({@code GET /services/data/vXX.X/sobjects/{type}/deleted/?start=&end=},
 * "sObject Get Deleted"): rows hard-deleted or purged from the recycle bin before the incremental
 * {@code queryAll} saw them never come back as {@code IsDeleted} rows, and with
 * {@code deletes: getDeleted} (orgs where queryAll is not allowed) this is the only delete path.
 *
 * <p>Every {@code deletedPollInterval}, it asks for the span from its cursor to now and moves the
 * cursor to the answer's {@code latestDateCovered}, as the docs require. Salesforce keeps the log
 * for 15 days (less when an administrator purges the recycle bin); a cursor older than that
 * (the service was down, the log was purged) answers 400 INVALID_REPLICATION_DATE, and the stream
 * reconciles instead: the stored records of the object whose ids the org no longer has (one
 * {@code SELECT Id} scan) become deletes, and the log is read from the scan's start on.
 *
 * <p>It reports no "current to" time: read every {@code deletedPollInterval}, it would show as lag.
 *
 * <p>Only objects whose records are keyed by their Salesforce id (Account, Contact, Lead,
 * Opportunity, Campaign): the log names ids, and junction rows are stored by what they join.
 */
final class DeleteLogStream extends CursorStream {
    private static final Logger LOG = LoggerFactory.getLogger(DeleteLogStream.class);
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");
    private static final int DELETES_PER_COMMIT = 2_000;

    /** The canonical type of an object's records and the key prefix of its ids. */
    record Target(RecordType type, String idPrefix) {}

    static final Map<String, Target> TARGETS = Map.of(
            "Account", new Target(RecordType.ACCOUNT, "001"),
            "Contact", new Target(RecordType.PERSON, "003"),
            "Lead", new Target(RecordType.PERSON, "00Q"),
            "Opportunity", new Target(RecordType.OPPORTUNITY, "006"),
            "Campaign", new Target(RecordType.CAMPAIGN, "701"));

    private final SalesforceConnector c;
    private final String object;
    private volatile Instant lastRead = Instant.MIN;

    DeleteLogStream(SalesforceConnector c, String object) {
        super(c.sourceId, object + ".deleted", Kind.INCREMENTAL, c.ctx.cursors());
        this.c = c;
        this.object = object;
    }

    @Override
    protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
        Instant now = c.ctx.clock().instant();
        if (lastRead.plus(c.config.deletedInterval()).isAfter(now)) return Step.CAUGHT_UP;
        Instant start = cursor.hasNonNull("start") ? Instant.parse(cursor.get("start").asText()) : c.origin();
        // The log is read by the minute (seconds ignored) and a span must exceed a minute: two make sure.
        if (!start.plus(c.config.deleteLogResolution().multipliedBy(2)).isBefore(now)) return Step.CAUGHT_UP;
        JsonNode answer;
        try {
            answer = c.api.deleted(object, iso(start), iso(now));
        } catch (PullException.Fatal e) {
            if (!e.getMessage().contains("INVALID_REPLICATION_DATE")) throw e;
            return reconcile(start, e.getMessage());
        }
        List<String> ids = new ArrayList<>();
        answer.path("deletedRecords").forEach(r -> ids.add(r.path("id").asText()));
        Instant covered = ObjectStream.instant(answer.path("latestDateCovered").asText(null));
        Instant next = covered == null || covered.isAfter(now) || covered.isBefore(start) ? start : covered;
        ObjectNode moved = newCursor();
        moved.put("start", next.toString());
        c.writer.commit(status(), deletes(ids), Map.of(name(), text(moved)));
        lastRead = now;
        if (!ids.isEmpty()) LOG.info("source {} {}: {} deleted in Salesforce", sourceId, name(), ids.size());
        return Step.CAUGHT_UP;
    }

    /**
     * The log no longer reaches back to the cursor: compare what is stored with what the org has.
     * Stored keys are read before the scan, so a record created during it is never taken for deleted.
     */
    private Step reconcile(Instant since, String why) throws PullException, InterruptedException {
        Target t = TARGETS.get(object);
        Instant scanStart = c.ctx.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        LOG.warn("source {} {}: the delete log does not reach back to {} ({}); comparing stored {} ids with the org's",
                sourceId, name(), since, why, object);
        List<String> stored = c.ctx.storedKeys().keys(sourceId, t.type().wireName(), t.idPrefix());
        Set<String> live = new HashSet<>();
        JsonNode page = c.api.query("SELECT Id FROM " + object, false);
        while (true) {
            page.path("records").forEach(r -> live.add(r.path("Id").asText()));
            if (page.path("done").asBoolean(true)) break;
            page = c.api.next(page.path("nextRecordsUrl").asText());
        }
        List<String> gone = stored.stream().filter(id -> !live.contains(id)).toList();
        for (int i = 0; i < gone.size(); i += DELETES_PER_COMMIT) {
            c.writer.commit(status(), deletes(gone.subList(i, Math.min(gone.size(), i + DELETES_PER_COMMIT))), Map.of());
        }
        ObjectNode moved = newCursor();
        moved.put("start", scanStart.toString());
        c.writer.commit(status(), List.of(), Map.of(name(), text(moved)));
        lastRead = c.ctx.clock().instant();
        LOG.warn("source {} {}: {} of {} stored {} ids are gone from the org: stored as deletes", sourceId, name(),
                gone.size(), stored.size(), object);
        return Step.CAUGHT_UP;
    }

    /** Deletes through the source's mapper, as queryAll's IsDeleted rows would be. */
    private List<ObjectNode> deletes(List<String> ids) throws PullException {
        List<JsonNode> rows = new ArrayList<>(ids.size());
        for (String id : ids) {
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            r.putObject("attributes").put("type", object);
            r.put("Id", id);
            r.put("IsDeleted", true);
            rows.add(r);
        }
        return c.map(status(), object, rows);
    }

    @Override
    public void restart(Instant from) { } // the log has no history to backfill

    private static String iso(Instant t) { return ISO.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC)); }

}
