package io.cohort.ingest.pull;

import com.codahale.metrics.Meter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.LongNumbers;
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
 * mapper refuses on its own ({@link #map}), or that holds a number too long: on a push that is a
 * 400 naming the item, on a pull it is set aside the same way. What a page sets aside is counted
 * and logged when the page is stored ({@link #commit}), once however often it is fetched; and,
 * where the source gives each item a version (a Salesforce row's Id and SystemModstamp, a Marketo
 * activity's id, a Marketo lead's id and updatedAt), once per version, however often it is read
 * again: an overlap window re-read, a backfill and the incremental sync reading the same rows, a
 * Marketo company read with each page of its leads' changes.
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
    /**
     * The item versions set aside and counted, the latest {@link #REMEMBERED}, shared by the
     * source's streams (a backfill and the incremental sync read the rows where they meet).
     */
    private final Set<String> counted = java.util.Collections.newSetFromMap(java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) { return size() > REMEMBERED; }
            }));
    /** Set-asides of a source's overlap windows are far fewer; one older than these may count again. */
    static final int REMEMBERED = 10_000;

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
        List<StreamStatus.SetAside> invalid = new ArrayList<>();
        List<JsonNode> valid = validOnly(status, records, invalid);
        if (valid.isEmpty()) {
            cursors.save(sourceId, newCursors, clock.millis());
        } else {
            for (int from = 0; from < valid.size(); from += maxBatch) {
                int to = Math.min(valid.size(), from + maxBatch);
                writer.write(sourceId, valid.subList(from, to), to == valid.size() ? newCursors : Map.of());
            }
            status.fetched(valid.size());
            meter.mark(valid.size());
        }
        // Counted and logged now that the page is stored: a page mapped, then fetched again after a
        // failure (a 5xx of the next call), was counted at each mapping.
        for (StreamStatus.SetAside a : status.stored(invalid, counted::add)) {
            LOG.warn("source {}: set aside {} from {}: {}", sourceId, a.what(), status.name(), a.why());
        }
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
     * source, its id and the reason, counted in the sync status and the {@code .rejected} metric
     * when the page is stored; the page's other items are mapped. So is an item with a number too
     * long ({@link LongNumbers}), before the mapper reads it. An error about the page as a whole (index -1: not the
     * vendor's shape at all) is thrown, for the connector to treat as fatal.
     *
     * @param kind  what the items are, for operators ("Marketo activities")
     * @param idOf  the vendor's id of a raw item, for operators
     */
    public List<ObjectNode> map(StreamStatus status, String kind, List<JsonNode> items, Function<JsonNode, String> idOf,
                                Mapping mapping) throws NativeFormatException {
        return map(status, kind, items, idOf, null, mapping);
    }

    /**
     * {@link #map(StreamStatus, String, List, Function, Mapping)}, where {@code versionOf} tells
     * each item's version (id and last-modified stamp, null when it has none): what is set aside,
     * by the mapping or by validation of the records it maps to, counts once per version. Mapped
     * item by item, so that each record's item is known.
     */
    public List<ObjectNode> map(StreamStatus status, String kind, List<JsonNode> items, Function<JsonNode, String> idOf,
                                Function<JsonNode, String> versionOf, Mapping mapping) throws NativeFormatException {
        Function<JsonNode, String> version = versionOf == null ? item -> null : versionOf;
        List<JsonNode> readable = withoutLongNumbers(status, kind, items, idOf, version);
        if (versionOf == null) {
            try {
                return mapping.map(readable);
            } catch (NativeFormatException e) {
                if (!aboutItems(e)) throw e;
            }
        }
        // One at a time: a mapper may stop at the first refusal, and each refusal must be told alone.
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode item : readable) {
            try {
                List<ObjectNode> mapped = mapping.map(List.of(item));
                // Worked out only for a record refused later: a Marketo company's version is a digest of it.
                if (versionOf != null) for (ObjectNode r : mapped) status.mappedFrom(r, () -> version.apply(item));
                out.addAll(mapped);
            } catch (NativeFormatException e) {
                if (!aboutItems(e)) throw e;
                StringBuilder why = new StringBuilder();
                for (FieldError fe : e.errors()) {
                    // The field as inside the item ("attributes[5].name"): its place in a page of one is no use.
                    String field = fe.field().replaceFirst("^[A-Za-z_]*\\[0\\]\\.?", "");
                    why.append(why.length() == 0 ? "" : "; ").append(field.isEmpty() ? "" : field + ": ").append(fe.message());
                }
                status.setAside(new StreamStatus.SetAside(what(kind, item, idOf), why.toString(), version.apply(item)));
            }
        }
        return out;
    }

    /**
     * The items without a number too long ({@link LongNumbers}, which a push of the item answers
     * with a 400); those with one are set aside. Read as text, such a number was kept as an
     * attribute: the same record was stored pulled and refused pushed.
     */
    private static List<JsonNode> withoutLongNumbers(StreamStatus status, String kind, List<JsonNode> items,
                                                     Function<JsonNode, String> idOf, Function<JsonNode, String> versionOf) {
        List<JsonNode> out = null;
        for (int i = 0; i < items.size(); i++) {
            List<LongNumbers.Inside> found = LongNumbers.in(items.get(i));
            if (found.isEmpty()) {
                if (out != null) out.add(items.get(i));
                continue;
            }
            if (out == null) out = new ArrayList<>(items.subList(0, i));
            StringBuilder why = new StringBuilder();
            for (LongNumbers.Inside f : found) why.append(why.length() == 0 ? "" : "; ").append(f.field()).append(": ").append(f.message());
            status.setAside(new StreamStatus.SetAside(what(kind, items.get(i), idOf), why.toString(), versionOf.apply(items.get(i))));
        }
        return out == null ? items : out;
    }

    private static String what(String kind, JsonNode item, Function<JsonNode, String> idOf) {
        String id = idOf.apply(item);
        return kind + " item " + (id == null ? "without an id" : id);
    }

    private static boolean aboutItems(NativeFormatException e) {
        return !e.errors().isEmpty() && e.errors().stream().allMatch(fe -> fe.index() >= 0);
    }

    private List<JsonNode> validOnly(StreamStatus status, List<ObjectNode> records, List<StreamStatus.SetAside> invalid) {
        List<JsonNode> all = new ArrayList<>(records.size());
        for (ObjectNode r : records) all.add(r.deepCopy()); // the parser may fill in defaults
        for (int from = 0; from < all.size(); from += maxBatch) {
            try {
                parser.parse(sourceId, all.subList(from, Math.min(all.size(), from + maxBatch)));
            } catch (InvalidBatchException e) {
                return dropInvalid(status, records, invalid);
            }
        }
        return new ArrayList<>(records);
    }

    private List<JsonNode> dropInvalid(StreamStatus status, List<ObjectNode> records, List<StreamStatus.SetAside> invalid) {
        List<JsonNode> kept = new ArrayList<>();
        for (ObjectNode r : records) {
            try {
                parser.parse(sourceId, List.of(r.deepCopy()));
                kept.add(r);
            } catch (InvalidBatchException e) {
                Set<String> fields = new HashSet<>();
                StringBuilder why = new StringBuilder();
                for (FieldError fe : e.errors()) {
                    if (fields.add(fe.field())) why.append(why.length() == 0 ? "" : "; ").append(fe.field()).append(": ").append(fe.message());
                }
                String what = r.path("type").asText("?") + " " + r.path("id").asText(r.path("personId").asText("?"));
                invalid.add(new StreamStatus.SetAside(what, why.toString(), status.versionOf(r)));
            }
        }
        return kept;
    }
}
