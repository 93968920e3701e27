package io.cohort.ingest;

import static io.cohort.ingest.FieldReader.abbreviate;
import static io.cohort.ingest.RecordParser.NUL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.FieldError;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordKey;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.*;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one record, adding errors to the shared list: its type, the fields that type allows and the
 * references it makes; {@link FieldReader} reads each field's value.
 */
final class RecordReader {
    private final JsonNode node;
    private final IngestLimits limits;
    private final String sourceId;
    /** The configured source ids that references must name; null where not checked. */
    private final Set<String> sources;
    /** Reads data stored earlier: see {@link RecordParser#forStored()}. */
    private final boolean stored;
    private final FieldReader fields;

    /** The latest an event's timestamp or a deal's createdDate may be (see RecordParser#refusingFutureEvents); null: not checked. */
    private final java.time.Instant latest;

    RecordReader(int index, JsonNode node, List<FieldError> errors, IngestLimits limits, Set<String> sources,
                 boolean stored, String sourceId, java.time.Instant latest) {
        this.latest = latest;
        this.node = node;
        this.limits = limits;
        this.sourceId = sourceId;
        this.sources = sources;
        this.stored = stored;
        this.fields = new FieldReader(index, node, errors, limits, stored);
    }

    private java.time.Instant eventTime() {
        return notAhead("timestamp", fields.instant("timestamp"), "an event records what happened, and one dated later "
                + "would count as recent");
    }

    /** A deal's creation: rules read it as events' times are read ({@code createdDate > $now.daysAgo(30)}). */
    private java.time.Instant createdDate() {
        return notAhead("createdDate", fields.optionalInstant("createdDate"), "a createdDate records when the source "
                + "created the deal, and one dated later would count as new");
    }

    /** {@code t}, with an error on {@code field} when it is further after now than clocks drift. */
    private java.time.Instant notAhead(String field, java.time.Instant t, String why) {
        if (t != null && latest != null && t.isAfter(latest)) {
            fields.error(field, "is " + t + ", more than " + RecordParser.EVENT_FUTURE_TOLERANCE.toHours() + " hours after now ("
                    + latest.minus(RecordParser.EVENT_FUTURE_TOLERANCE) + "): " + why + " until long after that date; "
                    + "check the source's clock or time zone");
        }
        return t;
    }

    RecordChange change() {
        if (node == null || !node.isObject()) {
            fields.error("", "a record must be a JSON object");
            return null;
        }
        String typeName = fields.string("type", true);
        if (typeName == null) return null;
        var type = RecordType.fromWire(typeName);
        if (type.isEmpty()) {
            fields.error("type", "unknown record type '" + typeName + "'; expected one of " + RecordType.wireNames());
            return null;
        }
        boolean deleted = fields.bool("deleted") == Boolean.TRUE;
        checkUnknownFields(type.get());
        if (deleted) {
            List<String> parts = new ArrayList<>();
            for (String f : type.get().keyFields()) parts.add(fields.id(f, true));
            if (fields.hasNewErrors()) return null;
            return new RecordChange.Delete(type.get(), type.get().key(parts));
        }
        SourceRecord record = switch (type.get()) {
            case PERSON -> new PersonRecord(fields.id("id", true), fields.email(), fields.string("firstName"),
                    fields.string("lastName"), fields.string("title"), fields.string("country"),
                    fields.bool("emailOptOut"), fields.attributes());
            case ACCOUNT -> new AccountRecord(fields.id("id", true), fields.string("name"), fields.string("domain"),
                    fields.string("industry"), fields.wholeNumber("employees"), fields.number("annualRevenue"),
                    fields.string("country"), sameAs(), fields.attributes());
            case ACCOUNT_PERSON -> new AccountPersonRecord(fields.id("accountId", true),
                    fields.id("personId", true), fields.string("role"), fields.attributes());
            case OPPORTUNITY -> new OpportunityRecord(fields.id("id", true), fields.id("accountId", false),
                    fields.string("name"), fields.number("amount"), fields.currency(), fields.string("stage"),
                    fields.bool("isWon"), fields.bool("isClosed"), fields.date("closeDate"), sameAs(),
                    createdDate(), fields.attributes());
            case OPPORTUNITY_PERSON -> new OpportunityPersonRecord(fields.id("opportunityId", true),
                    fields.id("personId", true), fields.string("role"), fields.attributes());
            case EVENT -> new EventRecord(fields.id("id", true), fields.id("personId", true),
                    fields.string("eventType", true), eventTime(), fields.string("url"),
                    fields.attributes());
            case CAMPAIGN -> new CampaignRecord(fields.id("id", true), fields.string("name"),
                    fields.string("campaignType"), fields.string("status"), fields.attributes());
            case CAMPAIGN_MEMBER -> new CampaignMemberRecord(fields.id("campaignId", true),
                    fields.id("personId", true), fields.string("status"), fields.attributes());
            case MARKETING_LIST -> new MarketingListRecord(fields.id("id", true), fields.string("name"),
                    fields.attributes());
            case MARKETING_LIST_MEMBER -> new MarketingListMemberRecord(fields.id("listId", true),
                    fields.id("personId", true), fields.attributes());
            case ACCOUNT_LINK -> accountLink();
        };
        return fields.hasNewErrors() ? null : new RecordChange.Upsert(record);
    }

    /** Unknown fields are errors: a typo ("ammount") must not silently drop data. */
    private void checkUnknownFields(RecordType type) {
        List<String> allowed = type.fields();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("type") && !f.equals("deleted") && !allowed.contains(f)) {
                fields.error(f, "unknown field for type '" + type.wireName() + "'; allowed: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private AccountLinkRecord accountLink() {
        JsonNode accounts = node.get("accounts");
        List<SourceRef> refs = new ArrayList<>();
        if (accounts == null || !accounts.isArray() || accounts.size() < 2) {
            fields.error("accounts", "must be an array of at least two {\"source\",\"id\"} objects");
        } else if (accounts.size() > limits.maxArrayLength()) {
            fields.error("accounts", "at most " + limits.maxArrayLength() + " accounts per link (ingest.maxArrayLength)");
        } else {
            for (int i = 0; i < accounts.size(); i++) {
                SourceRef r = refAt("accounts[" + i + "]", accounts.get(i));
                if (r != null) refs.add(r);
            }
        }
        String id = fields.id("id", false);
        if (id == null && !refs.isEmpty() && !fields.hasNewErrors()) {
            // No MDM key given: the sorted member list is the key, so re-sending is idempotent.
            id = RecordKey.linkId(refs);
            ((ObjectNode) node).put("id", id);
        }
        return new AccountLinkRecord(id, fields.string("name"), List.copyOf(refs), fields.attributes());
    }

    private SourceRef sameAs() {
        JsonNode v = node.get("sameAs");
        if (v == null || v.isNull()) return null;
        SourceRef r = refAt("sameAs", v);
        // Not harmless: a record with sameAs ranks as a copy, below every other record of its
        // account or opportunity, while the link itself joins nothing.
        if (!stored && r != null && r.source().equals(sourceId) && node.path("id").isValueNode()
                && r.id().equals(node.path("id").asText())) {
            fields.error("sameAs", "names this record itself (" + r + "); sameAs names another source's record that this one "
                    + "copies, and a record marked as a copy ranks below the records it is merged with");
            return null;
        }
        return r;
    }

    private SourceRef refAt(String field, JsonNode v) {
        if (!v.isObject() || !v.path("source").isTextual() || !v.path("id").isValueNode()
                || v.path("id").isNull() || v.path("source").asText().isBlank() || v.path("id").asText().isBlank()) {
            fields.error(field, "must be an object {\"source\": \"<source id>\", \"id\": \"<record id>\"}");
            return null;
        }
        // Unknown fields are errors here too: {"source", "id", "extra"} dropped "extra" silently.
        boolean unknown = false;
        for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("source") && !f.equals("id") && !stored) { // stored data: dropped, as it was (forStored())
                fields.error(field + "." + f, "unknown field of a reference; allowed: id, source");
                unknown = true;
            }
        }
        if (unknown) return null;
        if (!stored && JsonNumbers.isFractional(v.path("id"))) {
            fields.error(field + ".id", RecordParser.FRACTIONAL_ID + ", got " + JsonNumbers.text(v.path("id")));
            return null;
        }
        if (v.path("source").asText().indexOf('\u0000') >= 0 || v.path("id").asText().indexOf('\u0000') >= 0) {
            fields.error(field, NUL);
            return null;
        }
        if (v.path("source").asText().length() > limits.maxStringLength()) {
            fields.error(field + ".source", "source may be at most " + limits.maxStringLength() + " characters (ingest.maxStringLength)");
            return null;
        }
        if (v.path("id").asText().length() > RecordKey.MAX_ID_LENGTH) {
            fields.error(field + ".id", "id is " + v.path("id").asText().length() + " characters; ids may be at most "
                    + RecordKey.MAX_ID_LENGTH + " characters");
            return null;
        }
        if (!fields.idCharacters(field + ".source", v.path("source").asText()) | !fields.idCharacters(field + ".id", v.path("id").asText())) {
            return null;
        }
        if (sources != null && !sources.contains(v.path("source").asText())) {
            fields.error(field + ".source", "'" + abbreviate(v.path("source").asText()) + "' is not a configured source, so no record "
                    + "of it can ever be linked; configured sources: " + String.join(", ", new TreeSet<>(sources)));
            return null;
        }
        return new SourceRef(v.path("source").asText(), v.path("id").asText());
    }
}
