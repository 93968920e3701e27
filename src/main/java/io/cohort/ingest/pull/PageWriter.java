package io.cohort.ingest.pull;

import com.codahale.metrics.Meter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.RecordParser;
import io.cohort.record.FieldError;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a fetched page: its canonical records and the stream's new cursor in one transaction.
 *
 * <p>A pushed batch with one bad record is refused whole so that its sender fixes it; a pulled
 * page has nobody to fix it, and refusing it would stop the stream at that record forever. So a
 * record that fails validation is set aside — counted, logged with its field errors, shown in
 * the sync status — and the rest of the page is stored.
 */
public final class PageWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PageWriter.class);

    private final String sourceId;
    private final BatchWriter writer;
    private final CursorBook cursors;
    private final RecordParser parser;
    private final int maxBatch;
    private final Clock clock;
    private final Meter meter;

    PageWriter(String sourceId, BatchWriter writer, CursorBook cursors, RecordParser parser, int maxBatch, Clock clock,
               Meter meter) {
        this.sourceId = sourceId;
        this.writer = writer;
        this.cursors = cursors;
        this.parser = parser;
        this.maxBatch = maxBatch;
        this.clock = clock;
        this.meter = meter;
    }

    public String sourceId() { return sourceId; }

    /**
     * Stores {@code records} and {@code newCursors} atomically (a page larger than a batch goes in
     * several batches, the cursor with the last; a crash between them re-fetches the page, whose
     * records are keyed, so nothing is counted twice).
     *
     * @return records stored
     */
    public int commit(StreamStatus status, List<ObjectNode> records, Map<String, String> newCursors) {
        List<JsonNode> valid = validOnly(status, records);
        if (valid.isEmpty()) {
            cursors.save(sourceId, newCursors, clock.millis());
            return 0;
        }
        for (int from = 0; from < valid.size(); from += maxBatch) {
            int to = Math.min(valid.size(), from + maxBatch);
            writer.write(sourceId, valid.subList(from, to), to == valid.size() ? newCursors : Map.of());
        }
        status.fetched(valid.size());
        meter.mark(valid.size());
        return valid.size();
    }

    private List<JsonNode> validOnly(StreamStatus status, List<ObjectNode> records) {
        List<JsonNode> all = new ArrayList<>(records.size());
        for (ObjectNode r : records) all.add(r.deepCopy()); // the parser may fill in defaults
        for (int from = 0; from < all.size(); from += maxBatch) {
            try {
                parser.parse(sourceId, all.subList(from, Math.min(all.size(), from + maxBatch)));
            } catch (InvalidBatchException e) {
                return dropInvalid(status, records);
            }
        }
        return new ArrayList<>(records);
    }

    private List<JsonNode> dropInvalid(StreamStatus status, List<ObjectNode> records) {
        List<JsonNode> kept = new ArrayList<>();
        int dropped = 0;
        String example = null;
        for (ObjectNode r : records) {
            try {
                parser.parse(sourceId, List.of(r.deepCopy()));
                kept.add(r);
            } catch (InvalidBatchException e) {
                dropped++;
                Set<String> fields = new HashSet<>();
                StringBuilder why = new StringBuilder();
                for (FieldError fe : e.errors()) {
                    if (fields.add(fe.field())) why.append(why.length() == 0 ? "" : "; ").append(fe.field()).append(": ").append(fe.message());
                }
                String what = r.path("type").asText("?") + " " + r.path("id").asText(r.path("personId").asText("?"));
                if (example == null) example = what + ": " + why;
                LOG.warn("source {}: set aside {} from {}: {}", sourceId, what, status.name(), why);
            }
        }
        status.rejected(dropped, example);
        return kept;
    }
}
