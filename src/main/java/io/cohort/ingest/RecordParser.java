package io.cohort.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.record.FieldError;
import io.cohort.record.RecordChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns canonical JSON records into {@link RecordChange}s, collecting every field error of the
 * batch (index, field, message) instead of stopping at the first one.
 */
public final class RecordParser {

    /**
     * PostgreSQL cannot store U+0000 in text: a key holding one failed the batch with a 500
     * there (H2 took it). Refused everywhere, so that both databases accept the same input.
     */
    static final String NUL = "must not contain the NUL character (U+0000)";

    /**
     * Instants and dates outside these years are refused: they are mistakes, and an instant of year
     * +300000000 overflowed epoch milliseconds after its batch was committed (a 500, then every
     * start failed on the stored row).
     */
    public static final int MIN_YEAR = 1900;
    public static final int MAX_YEAR = 2200;
    /** 64 characters of local part, "@" and 255 of domain: the width of the membership table's email column. */
    static final int MAX_EMAIL_LENGTH = 320;

    /**
     * Ids must read back as they were sent: a lone UTF-16 surrogate ("\ud800") was stored and then
     * matched no request (it has no UTF-8 form), and format characters (general category Cf:
     * U+202E right-to-left override, U+200B zero-width space, U+FEFF…) make two ids that look the
     * same differ, or one id look like another.
     */
    static final String BAD_ID_CHARACTERS = "ids may not hold invisible or direction-changing characters or broken UTF-16";

    /**
     * Ids are matched as text, and a number with a fraction or exponent has no one text: 1e3 read
     * back as "1E+3", 1e400 was stored as the id "Infinity".
     */
    static final String FRACTIONAL_ID = "an id sent as a number must be a whole number such as 1002 (no fraction or exponent); "
            + "send other ids as strings";

    /**
     * Every other text (names, titles, emails, attribute names and values, event fields): a lone
     * surrogate was accepted, evaluated as sent, and read back from the store and the graph snapshot
     * (both UTF-8) as '?', so GET answered another record than the one accepted and a restart
     * evaluated another one. Format characters stay legitimate there (U+200D joins emoji, U+200F
     * marks right-to-left names).
     */
    static final String LONE_SURROGATE = "must not hold a lone UTF-16 surrogate: it has no UTF-8 form, and would be stored as '?'";

    private final IngestLimits limits;
    /** The configured source ids that references must name; null where not checked (replays, local files). */
    private final Set<String> sources;
    /** Reads data stored earlier: see {@link #forStored()}. */
    private final boolean stored;

    public RecordParser(IngestLimits limits) {
        this(limits, null, false, null);
    }

    private RecordParser(IngestLimits limits, Set<String> sources, boolean stored, java.time.Clock now) {
        this.limits = limits;
        this.sources = sources == null ? null : Set.copyOf(new TreeSet<>(sources));
        this.stored = stored;
        this.now = now;
    }

    /** How far after now an event's timestamp or a deal's createdDate may be: clocks and time zones of sources drift. */
    public static final java.time.Duration EVENT_FUTURE_TOLERANCE = java.time.Duration.ofDays(1);

    /** When events are checked against the time (ingestion): the service's rule clock; null when not. */
    private final java.time.Clock now;

    /**
     * This parser, also refusing an event, or an opportunity's {@code createdDate}, dated more than
     * {@link #EVENT_FUTURE_TOLERANCE} after now (the later of the wall clock and {@code clock}, the
     * service's rule time, which a demo may have moved on). Windows count events after their start
     * with no end, so a source with a wrong clock or time zone sending page views dated 2200 put
     * people in "viewed in the last 30 days" segments until 2200 and 30 days; rules read a deal's
     * creation the same way ({@code createdDate > $now.daysAgo(30)}), so a deal "created" in 2200
     * stayed new until then. Ingestion checks it (HTTP, pulls, files); replays of stored batches
     * and rule tests' sample facts do not.
     */
    public RecordParser refusingFutureEvents(java.time.Clock clock) {
        if (stored) throw new IllegalStateException("a parser of stored data reads what was accepted");
        return new RecordParser(limits, sources, false, clock);
    }

    /** The latest event timestamp or createdDate a batch parsed now may hold; null when not checked. */
    private java.time.Instant latest() {
        if (now == null) return null;
        java.time.Instant t = java.time.Instant.now();
        java.time.Instant rule = now.instant();
        return (rule.isAfter(t) ? rule : t).plus(EVENT_FUTURE_TOLERANCE);
    }

    /**
     * This parser, also refusing references ({@code sameAs.source}, {@code accounts[].source}) to
     * a source not among {@code configured}: no record of such a source can ever be stored, so the
     * reference could never join anything, and is a typo. Ingestion checks them; replays of stored
     * batches and local record files do not (a source removed from the config must not stop them).
     */
    public RecordParser checkingReferences(Set<String> configured) {
        if (stored) throw new IllegalStateException("a parser of stored data checks no references: it reads what was accepted");
        return new RecordParser(limits, configured, false, now);
    }

    /**
     * This parser for records stored earlier and read again (cluster mode's graph feed replaying
     * the ingest log): it must read what was accepted when they were stored, or an upgrade would
     * quarantine, and so lose, records every earlier version took. It keeps the checks that build
     * a valid record (types, required fields, numbers, the years instants fall in, NUL) and skips
     * those added since for hygiene at the door, reading as before:
     * <ul>
     * <li>no {@link IngestLimits} (lengths, attributes, batch size): a record was accepted under the
     *     limits of its day, and an operator lowering one since must not quarantine it on a replay;
     * <li>an unknown field inside a reference ({@code sameAs.extra}) is ignored, not an error;
     * <li>a {@code sameAs} naming the record itself is kept;
     * <li>ids may hold format characters and lone surrogates ({@link #BAD_ID_CHARACTERS});
     * <li>text may hold lone surrogates ({@link #LONE_SURROGATE});
     * <li>references are not checked against the configured sources (one may have been removed);
     * <li>a {@code closeDate} sent as an instant at {@code T24:00} (or a leap second) is read as
     *     {@code Instant.parse} read it, and {@code employees} just past {@code Long.MAX_VALUE}
     *     (2^63, once clamped through a double) as that double read it.
     * </ul>
     * Ingestion (Pipeline, pulls, imports) and sample facts (analyst.RuleTests) use the strict parser.
     */
    public RecordParser forStored() {
        return new RecordParser(IngestLimits.none(), null, true, null);
    }

    /** Parses a whole batch; throws {@link InvalidBatchException} listing all errors. */
    public List<RecordChange> parse(List<JsonNode> records) {
        return parse(null, records);
    }

    /**
     * Parses a whole batch sent by source {@code sourceId} (null: unknown), which also refuses a
     * {@code sameAs} naming the record itself; throws {@link InvalidBatchException} listing all errors.
     */
    public List<RecordChange> parse(String sourceId, List<JsonNode> records) {
        if (records.size() > limits.maxRecordsPerBatch()) {
            throw new InvalidBatchException(List.of(new FieldError(-1, "records",
                    "a batch holds at most " + limits.maxRecordsPerBatch() + " records (ingest.maxRecordsPerBatch), got " + records.size())));
        }
        List<FieldError> errors = new ArrayList<>();
        List<RecordChange> changes = new ArrayList<>(records.size());
        java.time.Instant latest = latest();
        for (int i = 0; i < records.size(); i++) {
            RecordChange c = new RecordReader(i, records.get(i), errors, limits, sources, stored, sourceId, latest).change();
            if (c != null) changes.add(c);
        }
        if (!errors.isEmpty()) throw new InvalidBatchException(errors);
        return changes;
    }
}
