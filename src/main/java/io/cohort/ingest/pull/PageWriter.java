package io.cohort.ingest.pull;

import com.codahale.metrics.Meter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.RecordParser;
import io.cohort.record.FieldError;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a fetched page: its canonical records and the stream's new cursor in one transaction.
 *
 * <p>A pushed batch with one bad record is refused whole so that its sender fixes it; a pulled
 * page has nobody to fix it, and refusing it would stop the stream at that record forever. So a
 * record that fails validation is set aside — counted, logged with its field errors, shown in
 * the sync status — and the rest of the page is stored. So is a vendor item the source's native
 * mapper refuses on its own ({@link #map}): on a push that is a 400 naming the item, on a pull it
 * is set aside the same way.
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

    /** Maps some of a page's raw vendor items to canonical records; see {@link #map}. */
    @FunctionalInterface
    public interface Mapping {
        List<ObjectNode> map(List<JsonNode> items) throws NativeFormatException;
    }

    /**
     * A fetched page's items through the source's native mapper (the push endpoint's mapping).
     * An item the mapper refuses on its own — its error names the item (index 0 or more), as the
     * push endpoint's 400 does — is set aside like a record that fails validation: logged with the
     * source, its id and the reason, counted in the sync status and the {@code .rejected} metric;
     * the page's other items are mapped. An error about the page as a whole (index -1: not the
     * vendor's shape at all) is thrown, for the connector to treat as fatal.
     *
     * @param kind  what the items are, for operators ("Marketo activities")
     * @param idOf  the vendor's id of a raw item, for operators
     */
    public List<ObjectNode> map(StreamStatus status, String kind, List<JsonNode> items, Function<JsonNode, String> idOf,
                                Mapping mapping) throws NativeFormatException {
        try {
            return mapping.map(items);
        } catch (NativeFormatException e) {
            if (!aboutItems(e)) throw e;
        }
        // One at a time: a mapper may stop at the first refusal, and each refusal must be told alone.
        List<ObjectNode> out = new ArrayList<>();
        int dropped = 0;
        String example = null;
        for (JsonNode item : items) {
            try {
                out.addAll(mapping.map(List.of(item)));
            } catch (NativeFormatException e) {
                if (!aboutItems(e)) throw e;
                dropped++;
                StringBuilder why = new StringBuilder();
                for (FieldError fe : e.errors()) {
                    // The field as inside the item ("attributes[5].name"): its place in a page of one is no use.
                    String field = fe.field().replaceFirst("^[A-Za-z_]*\\[0\\]\\.?", "");
                    why.append(why.length() == 0 ? "" : "; ").append(field.isEmpty() ? "" : field + ": ").append(fe.message());
                }
                String id = idOf.apply(item);
                String what = kind + " item " + (id == null ? "without an id" : id);
                if (example == null) example = what + ": " + why;
                LOG.warn("source {}: set aside {} from {}: {}", sourceId, what, status.name(), why);
            }
        }
        if (dropped > 0) status.rejected(dropped, example);
        return out;
    }

    private static boolean aboutItems(NativeFormatException e) {
        return !e.errors().isEmpty() && e.errors().stream().allMatch(fe -> fe.index() >= 0);
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
