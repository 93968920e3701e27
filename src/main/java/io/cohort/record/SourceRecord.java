package io.cohort.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.annotation.JsonTypeIdResolver;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * A canonical record as one source states it. Ids are the source's own; unification into
 * people and accounts happens later, in identity. The JSON form (with "type") is the ingestion
 * contract and also the stored form. Each record class is declared once more, in {@link RecordType},
 * with its wire name and key; its fields and the JSON "type" are derived from there.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CUSTOM, property = "type")
@JsonTypeIdResolver(RecordTypeIds.class)
public sealed interface SourceRecord {

    RecordType type();

    /** The record's key within (source, type): its key field, or its key fields joined as {@link RecordKey} says. */
    String key();

    /**
     * Free-form source fields (custom fields, picklists the model has no field for) on every record
     * type; rules read them with {@code attr("name")}. Never null. Left out of the JSON when empty,
     * so payloads stored before a type had attributes read back, and are written, as before.
     */
    Map<String, String> attributes();

    private static Map<String, String> attrs(Map<String, String> attributes) {
        return attributes == null || attributes.isEmpty() ? Map.of() : attributes;
    }

    record PersonRecord(String id, String email, String firstName, String lastName, String title,
                        String country, Boolean emailOptOut,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public PersonRecord {
            id = Values.shared(id);
            firstName = Values.shared(firstName);
            lastName = Values.shared(lastName);
            title = Values.shared(title);
            country = Values.shared(country);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.PERSON; }
        public String key() { return id; }
    }

    /** @param sameAs the record this one is a synced copy of (Marketo company ← CRM account). */
    record AccountRecord(String id, String name, String domain, String industry, Long employees,
                         Double annualRevenue, String country, SourceRef sameAs,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes) implements SourceRecord {
        public AccountRecord {
            id = Values.shared(id);
            industry = Values.shared(industry);
            country = Values.shared(country);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.ACCOUNT; }
        public String key() { return id; }
    }

    record AccountPersonRecord(String accountId, String personId, String role,
                               @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public AccountPersonRecord {
            accountId = Values.shared(accountId);
            personId = Values.shared(personId);
            role = Values.shared(role);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.ACCOUNT_PERSON; }
        public String key() { return RecordKey.of(accountId, personId); }
    }

    /**
     * @param sameAs      the record this one is a synced copy of (Marketo opportunity ← CRM)
     * @param createdDate when the source created it (Salesforce CreatedDate, Marketo createdAt), may be null
     */
    record OpportunityRecord(String id, String accountId, String name, Double amount, String currency,
                             String stage, Boolean isWon, Boolean isClosed, LocalDate closeDate,
                             SourceRef sameAs, Instant createdDate,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public OpportunityRecord {
            id = Values.shared(id);
            accountId = Values.shared(accountId);
            currency = Values.shared(currency);
            stage = Values.shared(stage);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.OPPORTUNITY; }
        public String key() { return id; }
    }

    record OpportunityPersonRecord(String opportunityId, String personId, String role,
                                   @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public OpportunityPersonRecord {
            opportunityId = Values.shared(opportunityId);
            personId = Values.shared(personId);
            role = Values.shared(role);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.OPPORTUNITY_PERSON; }
        public String key() { return RecordKey.of(opportunityId, personId); }
    }

    record EventRecord(String id, String personId, String eventType, Instant timestamp, String url,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes) implements SourceRecord {
        /** Events are most of the records in memory: share their few distinct types and URLs. */
        public EventRecord {
            eventType = Values.shared(eventType);
            url = Values.shared(url);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.EVENT; }
        public String key() { return id; }
    }

    record CampaignRecord(String id, String name, String campaignType, String status,
                          @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public CampaignRecord {
            campaignType = Values.shared(campaignType);
            status = Values.shared(status);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.CAMPAIGN; }
        public String key() { return id; }
    }

    record CampaignMemberRecord(String campaignId, String personId, String status,
                                @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public CampaignMemberRecord {
            campaignId = Values.shared(campaignId);
            personId = Values.shared(personId);
            status = Values.shared(status);
            attributes = attrs(attributes);
        }

        public RecordType type() { return RecordType.CAMPAIGN_MEMBER; }
        public String key() { return RecordKey.of(campaignId, personId); }
    }

    record MarketingListRecord(String id, String name,
                               @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public MarketingListRecord { attributes = attrs(attributes); }
        public RecordType type() { return RecordType.MARKETING_LIST; }
        public String key() { return id; }
    }

    record MarketingListMemberRecord(String listId, String personId,
                                     @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public MarketingListMemberRecord { attributes = attrs(attributes); }
        public RecordType type() { return RecordType.MARKETING_LIST_MEMBER; }
        public String key() { return RecordKey.of(listId, personId); }
    }

    /** An MDM statement: all listed accounts (of any sources) are one company. */
    record AccountLinkRecord(String id, String name, List<SourceRef> accounts,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes)
            implements SourceRecord {
        public AccountLinkRecord { attributes = attrs(attributes); }
        public RecordType type() { return RecordType.ACCOUNT_LINK; }
        public String key() { return id; }
    }
}
