package io.cohort.ingest;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The canonical record types; {@link #wireName()} is the "type" value on the wire. */
public enum RecordType {
    PERSON("person", List.of("id")),
    ACCOUNT("account", List.of("id")),
    ACCOUNT_PERSON("accountPerson", List.of("accountId", "personId")),
    OPPORTUNITY("opportunity", List.of("id")),
    OPPORTUNITY_PERSON("opportunityPerson", List.of("opportunityId", "personId")),
    EVENT("event", List.of("id")),
    CAMPAIGN("campaign", List.of("id")),
    CAMPAIGN_MEMBER("campaignMember", List.of("campaignId", "personId")),
    MARKETING_LIST("marketingList", List.of("id")),
    MARKETING_LIST_MEMBER("marketingListMember", List.of("listId", "personId")),
    ACCOUNT_LINK("accountLink", List.of("id"));

    private final String wireName;
    private final List<String> keyFields;

    RecordType(String wireName, List<String> keyFields) {
        this.wireName = wireName;
        this.keyFields = keyFields;
    }

    public String wireName() { return wireName; }

    /** The fields that together identify a record of this type within its source. */
    public List<String> keyFields() { return keyFields; }

    /** The key of a record of this type with these key field values (see {@link RecordKey}). */
    public String key(List<String> keyValues) { return RecordKey.of(keyValues.toArray(String[]::new)); }

    /** The key field values of {@code key}; empty when it is not a key of this type. */
    public Optional<List<String>> keyValues(String key) { return RecordKey.parse(key, keyFields.size()); }

    public static Optional<RecordType> fromWire(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }

    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(RecordType::wireName).toList());
    }
}
