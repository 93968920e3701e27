package io.cohort.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.FieldError;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordKey;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.*;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final String NUL = "must not contain the NUL character (U+0000)";

    /**
     * Instants and dates outside these years are refused: they are mistakes, and an instant of year
     * +300000000 overflowed epoch milliseconds after its batch was committed (a 500, then every
     * start failed on the stored row).
     */
    public static final int MIN_YEAR = 1900;
    public static final int MAX_YEAR = 2200;
    private static final Instant EARLIEST = LocalDate.of(MIN_YEAR, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
    private static final Instant AFTER_LATEST = LocalDate.of(MAX_YEAR + 1, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
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
        this(limits, null, false);
    }

    private RecordParser(IngestLimits limits, Set<String> sources, boolean stored) {
        this.limits = limits;
        this.sources = sources == null ? null : Set.copyOf(new TreeSet<>(sources));
        this.stored = stored;
    }

    /**
     * This parser, also refusing references ({@code sameAs.source}, {@code accounts[].source}) to
     * a source not among {@code configured}: no record of such a source can ever be stored, so the
     * reference could never join anything, and is a typo. Ingestion checks them; replays of stored
     * batches and local record files do not (a source removed from the config must not stop them).
     */
    public RecordParser checkingReferences(Set<String> configured) {
        if (stored) throw new IllegalStateException("a parser of stored data checks no references: it reads what was accepted");
        return new RecordParser(limits, configured, false);
    }

    /**
     * This parser for records stored earlier and read again (cluster mode's graph feed replaying
     * the ingest log): it must read what was accepted when they were stored, or an upgrade would
     * quarantine, and so lose, records every earlier version took. It keeps the checks that build
     * a valid record (types, required fields, numbers, the years instants fall in, NUL, lengths,
     * {@link IngestLimits}) and skips those added since for hygiene at the door, reading as before:
     * <ul>
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
        return new RecordParser(limits, null, true);
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
        for (int i = 0; i < records.size(); i++) {
            Reader r = new Reader(i, records.get(i), errors, this, sourceId);
            RecordChange c = r.change();
            if (c != null) changes.add(c);
        }
        if (!errors.isEmpty()) throw new InvalidBatchException(errors);
        return changes;
    }

    /** Reads one record, adding errors to the shared list. */
    private static final class Reader {
        private final int index;
        private final JsonNode node;
        private final List<FieldError> errors;
        private final IngestLimits limits;
        private final int errorsBefore;
        private final String sourceId;
        private final Set<String> sources;
        private final boolean stored;

        Reader(int index, JsonNode node, List<FieldError> errors, RecordParser parser, String sourceId) {
            this.index = index;
            this.node = node;
            this.errors = errors;
            this.limits = parser.limits;
            this.sourceId = sourceId;
            this.sources = parser.sources;
            this.stored = parser.stored;
            this.errorsBefore = errors.size();
        }

        RecordChange change() {
            if (node == null || !node.isObject()) {
                error("", "a record must be a JSON object");
                return null;
            }
            String typeName = string("type", true);
            if (typeName == null) return null;
            var type = RecordType.fromWire(typeName);
            if (type.isEmpty()) {
                error("type", "unknown record type '" + typeName + "'; expected one of " + RecordType.wireNames());
                return null;
            }
            boolean deleted = bool("deleted") == Boolean.TRUE;
            checkUnknownFields(type.get());
            if (deleted) {
                List<String> parts = new ArrayList<>();
                for (String f : type.get().keyFields()) parts.add(id(f, true));
                if (hasNewErrors()) return null;
                return new RecordChange.Delete(type.get(), type.get().key(parts));
            }
            SourceRecord record = switch (type.get()) {
                case PERSON -> new PersonRecord(id("id", true), email(), string("firstName"),
                        string("lastName"), string("title"), string("country"), bool("emailOptOut"),
                        attributes());
                case ACCOUNT -> new AccountRecord(id("id", true), string("name"), string("domain"),
                        string("industry"), wholeNumber("employees"), number("annualRevenue"),
                        string("country"), sameAs(), attributes());
                case ACCOUNT_PERSON -> new AccountPersonRecord(id("accountId", true),
                        id("personId", true), string("role"), attributes());
                case OPPORTUNITY -> new OpportunityRecord(id("id", true), id("accountId", false),
                        string("name"), number("amount"), currency(), string("stage"), bool("isWon"),
                        bool("isClosed"), date("closeDate"), sameAs(), optionalInstant("createdDate"),
                        attributes());
                case OPPORTUNITY_PERSON -> new OpportunityPersonRecord(id("opportunityId", true),
                        id("personId", true), string("role"), attributes());
                case EVENT -> new EventRecord(id("id", true), id("personId", true),
                        string("eventType", true), instant("timestamp"), string("url"), attributes());
                case CAMPAIGN -> new CampaignRecord(id("id", true), string("name"),
                        string("campaignType"), string("status"), attributes());
                case CAMPAIGN_MEMBER -> new CampaignMemberRecord(id("campaignId", true),
                        id("personId", true), string("status"), attributes());
                case MARKETING_LIST -> new MarketingListRecord(id("id", true), string("name"), attributes());
                case MARKETING_LIST_MEMBER -> new MarketingListMemberRecord(id("listId", true),
                        id("personId", true), attributes());
                case ACCOUNT_LINK -> accountLink();
            };
            return hasNewErrors() ? null : new RecordChange.Upsert(record);
        }

        /** Unknown fields are errors: a typo ("ammount") must not silently drop data. */
        private void checkUnknownFields(RecordType type) {
            List<String> allowed = type.fields();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("type") && !f.equals("deleted") && !allowed.contains(f)) {
                    error(f, "unknown field for type '" + type.wireName() + "'; allowed: " + String.join(", ", allowed.stream().sorted().toList()));
                }
            }
        }

        private AccountLinkRecord accountLink() {
            JsonNode accounts = node.get("accounts");
            List<SourceRef> refs = new ArrayList<>();
            if (accounts == null || !accounts.isArray() || accounts.size() < 2) {
                error("accounts", "must be an array of at least two {\"source\",\"id\"} objects");
            } else if (accounts.size() > limits.maxArrayLength()) {
                error("accounts", "at most " + limits.maxArrayLength() + " accounts per link (ingest.maxArrayLength)");
            } else {
                for (int i = 0; i < accounts.size(); i++) {
                    SourceRef r = refAt("accounts[" + i + "]", accounts.get(i));
                    if (r != null) refs.add(r);
                }
            }
            String id = id("id", false);
            if (id == null && !refs.isEmpty() && !hasNewErrors()) {
                // No MDM key given: the sorted member list is the key, so re-sending is idempotent.
                id = RecordKey.linkId(refs);
                ((ObjectNode) node).put("id", id);
            }
            return new AccountLinkRecord(id, string("name"), List.copyOf(refs), attributes());
        }

        private SourceRef sameAs() {
            JsonNode v = node.get("sameAs");
            if (v == null || v.isNull()) return null;
            SourceRef r = refAt("sameAs", v);
            // Not harmless: a record with sameAs ranks as a copy, below every other record of its
            // account or opportunity, while the link itself joins nothing.
            if (!stored && r != null && r.source().equals(sourceId) && node.path("id").isValueNode()
                    && r.id().equals(node.path("id").asText())) {
                error("sameAs", "names this record itself (" + r + "); sameAs names another source's record that this one "
                        + "copies, and a record marked as a copy ranks below the records it is merged with");
                return null;
            }
            return r;
        }

        private SourceRef refAt(String field, JsonNode v) {
            if (!v.isObject() || !v.path("source").isTextual() || !v.path("id").isValueNode()
                    || v.path("id").isNull() || v.path("source").asText().isBlank() || v.path("id").asText().isBlank()) {
                error(field, "must be an object {\"source\": \"<source id>\", \"id\": \"<record id>\"}");
                return null;
            }
            // Unknown fields are errors here too: {"source", "id", "extra"} dropped "extra" silently.
            boolean unknown = false;
            for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("source") && !f.equals("id") && !stored) { // stored data: dropped, as it was (forStored())
                    error(field + "." + f, "unknown field of a reference; allowed: id, source");
                    unknown = true;
                }
            }
            if (unknown) return null;
            if (v.path("source").asText().indexOf('\u0000') >= 0 || v.path("id").asText().indexOf('\u0000') >= 0) {
                error(field, NUL);
                return null;
            }
            if (v.path("source").asText().length() > limits.maxStringLength()) {
                error(field + ".source", "source may be at most " + limits.maxStringLength() + " characters (ingest.maxStringLength)");
                return null;
            }
            if (v.path("id").asText().length() > RecordKey.MAX_ID_LENGTH) {
                error(field + ".id", "id is " + v.path("id").asText().length() + " characters; ids may be at most "
                        + RecordKey.MAX_ID_LENGTH + " characters");
                return null;
            }
            if (!idCharacters(field + ".source", v.path("source").asText()) | !idCharacters(field + ".id", v.path("id").asText())) {
                return null;
            }
            if (sources != null && !sources.contains(v.path("source").asText())) {
                error(field + ".source", "'" + abbreviate(v.path("source").asText()) + "' is not a configured source, so no record "
                        + "of it can ever be linked; configured sources: " + String.join(", ", new TreeSet<>(sources)));
                return null;
            }
            return new SourceRef(v.path("source").asText(), v.path("id").asText());
        }

        /** False (with an error) when {@code s} holds a lone surrogate or a format character; see {@link #BAD_ID_CHARACTERS}. */
        private boolean idCharacters(String field, String s) {
            if (stored) return true; // as it was accepted: forStored()
            for (int i = 0; i < s.length(); ) {
                int c = s.codePointAt(i);
                int category = Character.getType(c); // a paired surrogate is read as one code point
                if (category == Character.SURROGATE || category == Character.FORMAT) {
                    error(field, BAD_ID_CHARACTERS + ": " + String.format("U+%04X", c) + " at character " + (i + 1));
                    return false;
                }
                i += Character.charCount(c);
            }
            return true;
        }

        /** Where {@code s} holds a surrogate that is not half of a pair, or -1 (always -1 for stored data: see {@link #forStored()}). */
        private int loneSurrogate(String s) {
            if (stored) return -1;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!Character.isSurrogate(c)) continue;
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++; // a pair: one character beyond U+FFFF
                } else {
                    return i;
                }
            }
            return -1;
        }

        private static String surrogateAt(String s, int at) {
            return LONE_SURROGATE + ": " + String.format("U+%04X", (int) s.charAt(at)) + " at character " + (at + 1);
        }

        private String email() {
            String e = string("email");
            if (e == null) return null;
            if (e.trim().length() > MAX_EMAIL_LENGTH) {
                error("email", "is " + e.trim().length() + " characters; an email address has at most " + MAX_EMAIL_LENGTH);
                return null;
            }
            String n = e.trim().toLowerCase(java.util.Locale.ROOT);
            int at = n.indexOf('@');
            if (at <= 0 || at != n.lastIndexOf('@') || at == n.length() - 1 || n.contains(" ")) {
                error("email", "not an email address: '" + abbreviate(e) + "'");
                return null;
            }
            return e.trim();
        }

        private String currency() {
            String c = string("currency");
            if (c == null) return "USD";
            if (!c.matches("[A-Za-z]{3}")) {
                error("currency", "must be an ISO-4217 code such as USD, got '" + abbreviate(c) + "'");
                return null;
            }
            return c.toUpperCase(java.util.Locale.ROOT);
        }

        private String string(String field) { return string(field, false); }

        /** A key field or a reference to one: at most {@link RecordKey#MAX_ID_LENGTH}, so that every key fits the store. */
        private String id(String field, boolean required) {
            String s = scalar(field, required); // ids check their characters more strictly than text
            if (s != null && s.length() > RecordKey.MAX_ID_LENGTH) {
                error(field, "is " + s.length() + " characters; ids may be at most " + RecordKey.MAX_ID_LENGTH + " characters");
                return null;
            }
            if (s != null && !idCharacters(field, s)) return null;
            return s;
        }

        private String string(String field, boolean required) {
            String s = scalar(field, required);
            int at = s == null ? -1 : loneSurrogate(s);
            if (at >= 0) {
                error(field, surrogateAt(s, at));
                return null;
            }
            return s;
        }

        /** A string or number as text, within the length limit, without NUL; text and ids check their characters on top. */
        private String scalar(String field, boolean required) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                if (required) error(field, "is required");
                return null;
            }
            // Ids often arrive as numbers (Marketo lead ids): accept scalars, reject structures.
            if (!v.isTextual() && !v.isNumber()) {
                error(field, "must be a string, got " + kind(v));
                return null;
            }
            String s = v.asText();
            if (s.indexOf('\u0000') >= 0) {
                error(field, NUL);
                return null;
            }
            if (s.length() > limits.maxStringLength()) {
                error(field, "is " + s.length() + " characters; at most " + limits.maxStringLength() + " allowed (ingest.maxStringLength)");
                return null;
            }
            if (required && s.isBlank()) {
                error(field, "must not be blank");
                return null;
            }
            return s;
        }

        private Boolean bool(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return null;
            if (v.isBoolean()) return v.booleanValue();
            if (v.isTextual() && (v.asText().equalsIgnoreCase("true") || v.asText().equalsIgnoreCase("false"))) {
                return Boolean.parseBoolean(v.asText());
            }
            error(field, "must be true or false, got " + kind(v));
            return null;
        }

        private Double number(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return null;
            double d;
            if (v.isNumber()) {
                d = v.doubleValue();
            } else if (v.isTextual()) {
                try {
                    d = Double.parseDouble(v.asText().trim());
                } catch (NumberFormatException e) {
                    error(field, "must be a number, got '" + abbreviate(v.asText()) + "'");
                    return null;
                }
            } else {
                error(field, "must be a number, got " + kind(v));
                return null;
            }
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                error(field, "must be a finite number");
                return null;
            }
            if (d < 0) {
                error(field, "must not be negative");
                return null;
            }
            return d;
        }

        private Long wholeNumber(String field) {
            Double d = number(field);
            if (d == null) return null;
            // Read exactly, not through the double: 2^63 compared equal to Long.MAX_VALUE there and
            // was stored clamped, and whole numbers above 2^53 lost their last digits.
            JsonNode v = node.get(field);
            try {
                return (v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim())).longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                if (stored && d == Math.rint(d) && d <= Long.MAX_VALUE) return d.longValue(); // as read before: forStored()
                error(field, "must be a whole number from 0 to " + Long.MAX_VALUE + ", got '" + abbreviate(v.asText()) + "'");
                return null;
            }
        }

        /**
         * A date, or an instant reduced to its UTC date: the Marketo mapper passes vendor datetimes
         * on as instants. Those are read and range-checked like every other instant; Instant.parse
         * took 24:00 and instants too far out for a date (a DateTimeException, answered 500).
         */
        private LocalDate date(String field) {
            String s = string(field);
            if (s == null) return null;
            String expected = "must be a date YYYY-MM-DD (or an ISO-8601 instant, taken as its UTC date) in the years "
                    + MIN_YEAR + " to " + MAX_YEAR + ", got '" + abbreviate(s) + "'";
            if (s.length() > 10) {
                Instant t = parseInstant(s);
                if (t == null && stored) t = instantAsBefore(s);
                if (t == null || !inYears(t)) {
                    error(field, expected);
                    return null;
                }
                return LocalDate.ofInstant(t, ZoneOffset.UTC);
            }
            LocalDate d;
            try {
                d = LocalDate.parse(s);
            } catch (DateTimeParseException e) {
                error(field, expected);
                return null;
            }
            if (d.getYear() < MIN_YEAR || d.getYear() > MAX_YEAR) {
                error(field, "must be a date in the years " + MIN_YEAR + " to " + MAX_YEAR + ", got '" + abbreviate(s) + "'");
                return null;
            }
            return d;
        }

        private Instant optionalInstant(String field) { return instant(field, false); }

        private Instant instant(String field) { return instant(field, true); }

        private Instant instant(String field, boolean required) {
            String s = string(field, required);
            if (s == null) return null;
            Instant t = parseInstant(s);
            if (t == null) {
                error(field, "must be an ISO-8601 instant such as 2026-11-02T10:15:00Z, got '" + abbreviate(s) + "'");
                return null;
            }
            if (!inYears(t)) {
                error(field, "must be an instant in the years " + MIN_YEAR + " to " + MAX_YEAR + " (UTC), got '" + abbreviate(s) + "'");
                return null;
            }
            return t;
        }

        /** The one reading of instants, for instant fields and dates sent as instants; null when unreadable. */
        private static Instant parseInstant(String s) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        /** How dates sent as instants were read before: Instant.parse also took T24:00 and leap seconds (forStored()). */
        private static Instant instantAsBefore(String s) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        private static boolean inYears(Instant t) {
            return !t.isBefore(EARLIEST) && t.isBefore(AFTER_LATEST);
        }

        private Map<String, String> attributes() {
            JsonNode v = node.get("attributes");
            if (v == null || v.isNull()) return Map.of();
            if (!v.isObject()) {
                error("attributes", "must be an object of scalar values, got " + kind(v));
                return Map.of();
            }
            if (v.size() > limits.maxAttributes()) {
                error("attributes", "at most " + limits.maxAttributes() + " attributes (ingest.maxAttributes), got " + v.size());
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (var it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                String f = "attributes." + e.getKey();
                if (e.getKey().length() > limits.maxStringLength()) {
                    error("attributes", "attribute name longer than " + limits.maxStringLength() + " (ingest.maxStringLength)");
                } else if (e.getValue().isNull()) {
                    continue;
                } else if (!e.getValue().isValueNode()) {
                    error(f, "must be a string, number or boolean, got " + kind(e.getValue()));
                } else if (e.getKey().indexOf('\u0000') >= 0 || e.getValue().asText().indexOf('\u0000') >= 0) {
                    error(f, NUL);
                } else if (loneSurrogate(e.getKey()) >= 0) {
                    // Not named by its path: the path would hold the broken name itself.
                    error("attributes", "an attribute name " + surrogateAt(e.getKey(), loneSurrogate(e.getKey())));
                } else if (loneSurrogate(e.getValue().asText()) >= 0) {
                    error(f, surrogateAt(e.getValue().asText(), loneSurrogate(e.getValue().asText())));
                } else if (e.getValue().asText().length() > limits.maxStringLength()) {
                    error(f, "at most " + limits.maxStringLength() + " characters allowed (ingest.maxStringLength)");
                } else {
                    out.put(e.getKey(), e.getValue().asText());
                }
            }
            return Map.copyOf(out);
        }

        private boolean hasNewErrors() { return errors.size() > errorsBefore; }

        private void error(String field, String message) {
            errors.add(new FieldError(index, field, message));
        }

        private static String kind(JsonNode v) {
            return switch (v.getNodeType()) {
                case ARRAY -> "an array";
                case OBJECT -> "an object";
                case BOOLEAN -> "a boolean";
                case NUMBER -> "a number";
                case STRING -> "a string";
                default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
            };
        }

        private static String abbreviate(String s) {
            return s.length() <= 60 ? s : s.substring(0, 57) + "...";
        }
    }
}
