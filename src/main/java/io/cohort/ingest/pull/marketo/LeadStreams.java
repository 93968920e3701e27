package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.SyncStatusView.BackfillView;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The two lead streams: small deltas through REST, the history through bulk export jobs. */
final class LeadStreams {
    private static final Logger LOG = LoggerFactory.getLogger(LeadStreams.class);

    private LeadStreams() {}

    /**
     * {@code leads}: Get Lead Changes (Data Value Change and New Lead activities on the configured
     * lead fields) from a paging token; the changed leads are then read by id with those fields, so
     * what is stored is each lead's current state. Cursor: the nextPageToken after the stored page.
     */
    static final class Changes extends CursorStream {
        private final MarketoConnector c;

        Changes(MarketoConnector c) {
            super(c.sourceId, "leads", Kind.INCREMENTAL, c.ctx.cursors());
            this.c = c;
        }

        @Override
        protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
            String token = cursor.hasNonNull("token") ? cursor.get("token").asText() : c.pagingToken(c.origin());
            String fields = MarketoApi.enc(String.join(",", c.config.getLeadFields()));
            JsonNode page = c.api.get("/rest/v1/activities/leadchanges.json?batchSize=300&fields=" + fields
                    + "&nextPageToken=" + MarketoApi.enc(token));
            Set<String> ids = new LinkedHashSet<>();
            Instant latest = null;
            for (JsonNode a : MarketoConnector.results(page)) {
                if (a.hasNonNull("leadId")) ids.add(a.get("leadId").asText());
                Instant at = ActivityStream.date(a.path("activityDate").asText(null));
                if (at != null && (latest == null || at.isAfter(latest))) latest = at;
            }
            List<ObjectNode> records = new ArrayList<>();
            if (!ids.isEmpty()) {
                JsonNode leads = c.api.get("/rest/v1/leads.json?filterType=id&fields=" + fields + "&filterValues="
                        + MarketoApi.enc(String.join(",", ids)));
                List<JsonNode> raw = MarketoConnector.results(leads);
                records.addAll(c.map(status(), "leads", raw));
                records.addAll(c.related.forLeads(status(), raw));
            }
            ObjectNode next = newCursor();
            next.put("token", page.path("nextPageToken").asText(token));
            c.writer.commit(status(), records, Map.of(name(), text(next)));
            boolean more = page.path("moreResult").asBoolean(false);
            status().currentTo(more ? latest : c.ctx.clock().instant());
            return more ? Step.MORE : Step.CAUGHT_UP;
        }
    }

    /**
     * {@code leads.backfill}: bulk lead export jobs ({@code /bulk/v1/leads/export/…}) filtered by
     * createdAt, one window of up to 31 days at a time, from startDate to when the backfill
     * started. Cursor: the window, the export job and how many of its rows are stored, so a crash
     * resumes inside the file (Marketo keeps export files for seven days). Every window's rows
     * are the leads' state when the file was written; a lead changed after that is the
     * incremental stream's, so when the backfill finishes it rewinds the {@code leads} stream to
     * its own start, and those changes are read again and win.
     */
    static final class Backfill extends CursorStream {
        private static final int ROWS_PER_COMMIT = 300;
        private final MarketoConnector c;
        private final Changes changes;
        private final CsvMapper csv = new CsvMapper();
        private final Map<String, Integer> statusPolls = new java.util.concurrent.ConcurrentHashMap<>();

        Backfill(MarketoConnector c, Changes changes) {
            super(c.sourceId, "leads.backfill", Kind.BACKFILL, c.ctx.cursors());
            this.c = c;
            this.changes = changes;
        }

        @Override
        protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
            if (cursor.path("done").asBoolean(false)) return Step.DONE;
            if (!cursor.has("windowStart")) {
                ObjectNode start = newCursor();
                Instant from = cursor.hasNonNull("from") ? Instant.parse(cursor.get("from").asText())
                        : c.config.leadBackfillStart();
                start.put("from", from.toString());
                start.put("until", cursor.hasNonNull("until") ? cursor.get("until").asText() : c.origin().toString());
                start.put("windowStart", from.toString());
                save(start);
                cursor = start;
            }
            Instant from = Instant.parse(cursor.get("from").asText());
            Instant until = Instant.parse(cursor.get("until").asText());
            Instant windowStart = Instant.parse(cursor.get("windowStart").asText());
            if (!windowStart.isBefore(until)) return finish(cursor, from, until);
            Instant windowEnd = min(until, windowStart.plus(Duration.ofDays(c.config.getExportWindowDays())));
            progress(from, until, windowStart, null);
            if (!cursor.hasNonNull("exportId")) {
                ObjectNode next = cursor.deepCopy();
                next.put("exportId", createExport(windowStart, windowEnd));
                next.put("rowsDone", 0);
                save(next);
                return Step.MORE;
            }
            String exportId = cursor.get("exportId").asText();
            JsonNode st = c.api.get("/bulk/v1/leads/export/" + MarketoApi.enc(exportId) + "/status.json").path("result").path(0);
            String status = st.path("status").asText("");
            switch (status) {
                case "Completed" -> {
                    return storeFile(cursor, exportId, from, until, windowStart, windowEnd,
                            st.path("numberOfRecords").asText("?"));
                }
                case "Created" -> {
                    c.api.post("/bulk/v1/leads/export/" + MarketoApi.enc(exportId) + "/enqueue.json", null);
                    return Step.MORE;
                }
                case "Queued", "Processing" -> {
                    // Small (often empty) windows finish in seconds: ask after 1, 2, 4 … s, at most exportPollInterval.
                    int polls = statusPolls.merge(exportId, 1, Integer::sum);
                    Thread.sleep(Math.min(c.config.getExportPollInterval().toMilliseconds(), 1_000L << Math.min(10, polls - 1)));
                    return Step.MORE;
                }
                default -> { // Failed, Cancelled, or a job Marketo no longer knows: a new job for the window
                    LOG.warn("source {} leads.backfill: export {} for {} .. {} is '{}' ({}); creating a new one", sourceId,
                            exportId, windowStart, windowEnd, status, st.path("errorMsg").asText(""));
                    ObjectNode next = cursor.deepCopy();
                    next.putNull("exportId");
                    save(next);
                    return Step.MORE;
                }
            }
        }

        private String createExport(Instant start, Instant end) throws PullException, InterruptedException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("fields", c.config.getLeadFields());
            body.put("format", "CSV");
            // Marketo wants ISO-8601 without milliseconds; endAt is inclusive, windows do not overlap by a second.
            body.put("filter", Map.of("createdAt", Map.of("startAt", start.truncatedTo(ChronoUnit.SECONDS).toString(),
                    "endAt", end.minusSeconds(1).truncatedTo(ChronoUnit.SECONDS).toString())));
            JsonNode r = c.api.post("/bulk/v1/leads/export/create.json", body);
            String id = r.path("result").path(0).path("exportId").asText(null);
            if (id == null) throw new PullException.Fatal("Marketo created an export without exportId: " + MarketoApi.excerpt(r.toString()));
            c.api.post("/bulk/v1/leads/export/" + MarketoApi.enc(id) + "/enqueue.json", null);
            LOG.info("source {} leads.backfill: export {} queued for leads created {} .. {}", sourceId, id, start, end);
            return id;
        }

        /**
         * Streams the file (Jackson CSV over the HTTP body, never the whole file in memory) and
         * stores its rows after rowsDone, a chunk per commit with the cursor moving along: a broken
         * connection or a restart resumes at the first row not stored.
         */
        private Step storeFile(ObjectNode cursor, String exportId, Instant from, Instant until, Instant windowStart,
                               Instant windowEnd, String expected) throws PullException, InterruptedException {
            int done = cursor.path("rowsDone").asInt(0);
            int rows = c.api.readFile("/bulk/v1/leads/export/" + MarketoApi.enc(exportId) + "/file.json", body -> {
                int row = 0;
                LeadFieldTypes types = null; // asked for with the first row: an empty window costs no call
                List<JsonNode> chunk = new ArrayList<>(ROWS_PER_COMMIT);
                try (MappingIterator<Map<String, String>> it = csv.readerFor(Map.class)
                        .with(CsvSchema.emptySchema().withHeader()).readValues(body)) {
                    while (it.hasNextValue()) {
                        Map<String, String> values = it.nextValue();
                        if (++row <= done) continue; // stored before the connection broke or the service stopped
                        if (types == null) types = c.leadFieldTypes();
                        chunk.add(c.api.readAsPage(types.asJson(values)));
                        if (chunk.size() == ROWS_PER_COMMIT) {
                            commit(cursor, chunk, row);
                            progress(from, until, windowStart, row + "/" + expected + " rows of export " + exportId);
                            chunk.clear();
                        }
                    }
                } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                    throw new PullException.Fatal("unreadable Marketo export file " + exportId + " at row " + (row + 1)
                            + ": " + e.getMessage(), e);
                }
                if (!chunk.isEmpty()) commit(cursor, chunk, row);
                return row;
            });
            statusPolls.remove(exportId);
            ObjectNode next = cursor.deepCopy();
            next.put("windowStart", windowEnd.toString());
            next.putNull("exportId");
            next.put("rowsDone", 0);
            save(next);
            LOG.info("source {} leads.backfill: {} leads created {} .. {} stored", sourceId, rows, windowStart, windowEnd);
            return Step.MORE;
        }

        private void commit(ObjectNode cursor, List<JsonNode> chunk, int rowsDone) throws PullException, InterruptedException {
            List<ObjectNode> records = new ArrayList<>(c.map(status(), "leads", chunk));
            records.addAll(c.related.forLeads(status(), chunk));
            ObjectNode next = cursor.deepCopy();
            next.put("rowsDone", rowsDone);
            c.writer.commit(status(), records, Map.of(name(), text(next)));
        }

        /** Done: the incremental lead stream reads everything since this backfill began again (see class comment). */
        private Step finish(ObjectNode cursor, Instant from, Instant until) throws PullException, InterruptedException {
            String token = c.pagingToken(until);
            changes.lock().lockInterruptibly();
            try {
                ObjectNode done = cursor.deepCopy();
                done.put("done", true);
                ObjectNode rewound = newCursor();
                rewound.put("token", token);
                Map<String, String> both = new LinkedHashMap<>();
                both.put(name(), text(done));
                both.put(changes.name(), text(rewound));
                cursors.save(sourceId, both, c.ctx.clock().millis());
            } finally {
                changes.lock().unlock();
            }
            status().backfill(new BackfillView(from, until, until, 100.0, true, null));
            LOG.info("source {} leads.backfill: done ({} .. {}); lead changes since {} are read again", sourceId, from, until, until);
            return Step.DONE;
        }

        private void progress(Instant from, Instant until, Instant windowStart, String detail) {
            double total = Math.max(1, Duration.between(from, until).toMillis());
            double pct = Math.round(1000.0 * Duration.between(from, windowStart).toMillis() / total) / 10.0;
            status().backfill(new BackfillView(from, until, windowStart, pct, false, detail));
            if (detail != null) LOG.info("source {} leads.backfill: {} ({}% of {} .. {})", sourceId, detail, pct, from, until);
        }

        private void save(ObjectNode cursor) {
            cursors.save(sourceId, Map.of(name(), text(cursor)), c.ctx.clock().millis());
        }

        @Override
        public void restart(Instant from) {
            ObjectNode fresh = newCursor();
            fresh.put("from", (from != null ? from : c.config.leadBackfillStart()).toString());
            fresh.put("until", c.ctx.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString());
            save(fresh);
            status().backfill(null);
        }

        private static Instant min(Instant a, Instant b) { return a.isBefore(b) ? a : b; }
    }
}
