package io.cohort.record;

import io.cohort.record.SourceRecord.AccountLinkRecord;
import io.cohort.record.SourceRecord.AccountPersonRecord;
import io.cohort.record.SourceRecord.AccountRecord;
import io.cohort.record.SourceRecord.CampaignMemberRecord;
import io.cohort.record.SourceRecord.CampaignRecord;
import io.cohort.record.SourceRecord.EventRecord;
import io.cohort.record.SourceRecord.MarketingListMemberRecord;
import io.cohort.record.SourceRecord.MarketingListRecord;
import io.cohort.record.SourceRecord.OpportunityPersonRecord;
import io.cohort.record.SourceRecord.OpportunityRecord;
import io.cohort.record.SourceRecord.PersonRecord;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The canonical record types: the one place a type's wire name, record class and key are declared.
 * {@link #wireName()} is the "type" value on the wire (and the JSON subtype id of
 * {@link SourceRecord}); {@link #fields()} are the record class's components, so a field added to a
 * record is a field the parser and the stored JSON know, without a second list to keep in step.
 */
public enum RecordType {
    PERSON("person", PersonRecord.class, List.of("id")),
    ACCOUNT("account", AccountRecord.class, List.of("id")),
    ACCOUNT_PERSON("accountPerson", AccountPersonRecord.class, List.of("accountId", "personId")),
    OPPORTUNITY("opportunity", OpportunityRecord.class, List.of("id")),
    OPPORTUNITY_PERSON("opportunityPerson", OpportunityPersonRecord.class, List.of("opportunityId", "personId")),
    EVENT("event", EventRecord.class, List.of("id")),
    CAMPAIGN("campaign", CampaignRecord.class, List.of("id")),
    CAMPAIGN_MEMBER("campaignMember", CampaignMemberRecord.class, List.of("campaignId", "personId")),
    MARKETING_LIST("marketingList", MarketingListRecord.class, List.of("id")),
    MARKETING_LIST_MEMBER("marketingListMember", MarketingListMemberRecord.class, List.of("listId", "personId")),
    ACCOUNT_LINK("accountLink", AccountLinkRecord.class, List.of("id"));

    private final String wireName;
    private final Class<? extends SourceRecord> recordClass;
    private final List<String> keyFields;
    private final List<String> fields;

    RecordType(String wireName, Class<? extends SourceRecord> recordClass, List<String> keyFields) {
        this.wireName = wireName;
        this.recordClass = recordClass;
        this.keyFields = keyFields;
        this.fields = Arrays.stream(recordClass.getRecordComponents()).map(RecordComponent::getName).toList();
        if (!fields.containsAll(keyFields)) {
            throw new IllegalStateException(recordClass.getSimpleName() + " lacks a key field of " + keyFields);
        }
    }

    public String wireName() { return wireName; }

    /** The record class a record of this type is. */
    public Class<? extends SourceRecord> recordClass() { return recordClass; }

    /** The fields a record of this type has on the wire besides "type" and "deleted", in declaration order. */
    public List<String> fields() { return fields; }

    /** The fields that together identify a record of this type within its source. */
    public List<String> keyFields() { return keyFields; }

    /** The key of a record of this type with these key field values (see {@link RecordKey}). */
    public String key(List<String> keyValues) { return RecordKey.of(keyValues.toArray(String[]::new)); }

    /** The key field values of {@code key}; empty when it is not a key of this type. */
    public Optional<List<String>> keyValues(String key) { return RecordKey.parse(key, keyFields.size()); }

    public static Optional<RecordType> fromWire(String name) {
        // A loop over one copy of values(): a stream over a new one was 7% of record parsing.
        for (RecordType t : ALL) if (t.wireName.equals(name)) return Optional.of(t);
        return Optional.empty();
    }

    private static final RecordType[] ALL = values();

    /** The type whose record class is {@code recordClass}. */
    public static Optional<RecordType> of(Class<?> recordClass) {
        return Arrays.stream(values()).filter(t -> t.recordClass == recordClass).findFirst();
    }

    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(RecordType::wireName).toList());
    }
}
