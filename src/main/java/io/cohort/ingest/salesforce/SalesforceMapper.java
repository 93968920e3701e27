package io.cohort.ingest.salesforce;

import static io.cohort.ingest.NativeJson.attributes;
import static io.cohort.ingest.NativeJson.copy;
import static io.cohort.ingest.NativeJson.putAttributes;
import static io.cohort.ingest.NativeJson.record;
import static io.cohort.ingest.NativeJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeJson;
import io.cohort.ingest.NativeMapper;
import io.cohort.record.FieldError;
import io.cohort.record.RecordType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Maps a SOQL query result {"totalSize", "done", "records": [{"attributes": {"type", "url"}, …}]}
 * to canonical records. One result may mix sObject types (each page of each query is posted as
 * it came). Records of an unsupported type fail the whole payload rather than being skipped: a
 * silently dropped AggregateResult or custom object would look like missing data much later.
 */
final class SalesforceMapper implements NativeMapper {

    private static final List<String> OBJECTS = List.of("query");

    private final String sourceId;
    private final Map<String, BiConsumer<JsonNode, List<ObjectNode>>> byType = Map.of(
            "Account", SalesforceMapper::account,
            "Contact", SalesforceMapper::contact,
            "Lead", SalesforceMapper::lead,
            "Opportunity", SalesforceMapper::opportunity,
            "OpportunityContactRole", SalesforceMapper::opportunityContactRole,
            "AccountContactRelation", SalesforceMapper::accountContactRelation,
            "Campaign", SalesforceMapper::campaign,
            "CampaignMember", SalesforceMapper::campaignMember);

    SalesforceMapper(String sourceId) {
        this.sourceId = sourceId;
    }

    @Override
    public List<String> objects() { return OBJECTS; }

    List<String> supportedTypes() {
        return byType.keySet().stream().sorted().toList();
    }

    @Override
    public List<ObjectNode> map(String object, JsonNode payload) throws NativeFormatException {
        if (!OBJECTS.contains(object)) {
            throw new NativeFormatException("object", "source '" + sourceId + "' is of type salesforce; unknown object '"
                    + object + "', expected \"query\" (a SOQL query result; each record's attributes.type decides its mapping)");
        }
        JsonNode records = records(payload);
        List<FieldError> errors = new ArrayList<>();
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            String type = r.isObject() ? text(r.path("attributes"), "type") : null;
            var mapping = type == null ? null : byType.get(type);
            if (mapping == null) {
                errors.add(new FieldError(i, "records[" + i + "].attributes.type", type == null
                        ? "a record needs \"attributes\": {\"type\": …} as the REST query resource returns it"
                        : "unsupported sObject type '" + type + "'; supported: " + String.join(", ", supportedTypes())));
                continue;
            }
            List<ObjectNode> mapped = new ArrayList<>();
            mapping.accept(r, mapped);
            boolean deleted = r.path("IsDeleted").asBoolean(false); // queryAll returns deleted rows
            for (ObjectNode m : mapped) out.add(deleted ? asDelete(m) : m);
        }
        if (!errors.isEmpty()) throw new NativeFormatException(errors);
        return out;
    }

    private static JsonNode records(JsonNode payload) throws NativeFormatException {
        if (payload != null && payload.isArray() && payload.size() > 0 && payload.get(0).has("errorCode")) {
            // Salesforce's REST error body: [{"message": …, "errorCode": …}]
            List<FieldError> errors = new ArrayList<>();
            for (JsonNode e : payload) {
                errors.add(new FieldError(-1, "errorCode", "Salesforce error " + e.path("errorCode").asText("?")
                        + ": " + e.path("message").asText("(no message)")));
            }
            throw new NativeFormatException(errors);
        }
        JsonNode records = payload == null ? null : payload.get("records");
        if (payload == null || !payload.isObject() || records == null || !records.isArray()) {
            throw new NativeFormatException("records", "not a SOQL query result: expected {\"totalSize\", \"done\", "
                    + "\"records\": [ … ]}, got " + (payload != null && payload.isObject()
                    ? "an object without a \"records\" array" : NativeJson.kind(payload)));
        }
        return records;
    }

    /** The delete of whatever a deleted row would have stated, by the record's key fields. */
    private static ObjectNode asDelete(ObjectNode m) {
        RecordType type = RecordType.fromWire(m.path("type").asText()).orElseThrow();
        String[] key = type.keyFields().stream().map(f -> m.path(f).asText(null)).toArray(String[]::new);
        return NativeJson.delete(type, key);
    }

    private static void account(JsonNode r, List<ObjectNode> out) {
        ObjectNode a = record(RecordType.ACCOUNT);
        copy(r, "Id", a, "id");
        copy(r, "Name", a, "name");
        String domain = NativeJson.domain(text(r, "Website"));
        if (domain != null) a.put("domain", domain);
        copy(r, "Industry", a, "industry");
        copy(r, "NumberOfEmployees", a, "employees");
        copy(r, "AnnualRevenue", a, "annualRevenue");
        copy(r, "BillingCountry", a, "country");
        putAttributes(a, attributes(r, Set.of("Id", "Name", "Industry", "NumberOfEmployees",
                "AnnualRevenue", "BillingCountry", "IsDeleted")));
        out.add(a);
    }

    /** A contact is a person; its AccountId is its primary account relation. */
    private static void contact(JsonNode r, List<ObjectNode> out) {
        out.add(person(r, "MailingCountry", Set.of("AccountId")));
        if (text(r, "AccountId") != null) {
            ObjectNode ap = record(RecordType.ACCOUNT_PERSON);
            copy(r, "AccountId", ap, "accountId");
            copy(r, "Id", ap, "personId");
            out.add(ap);
        }
    }

    private static void lead(JsonNode r, List<ObjectNode> out) {
        out.add(person(r, "Country", Set.of()));
    }

    private static ObjectNode person(JsonNode r, String countryField, Set<String> alsoConsumed) {
        ObjectNode p = record(RecordType.PERSON);
        copy(r, "Id", p, "id");
        copy(r, "Email", p, "email");
        copy(r, "FirstName", p, "firstName");
        copy(r, "LastName", p, "lastName");
        copy(r, "Title", p, "title");
        copy(r, countryField, p, "country");
        copy(r, "HasOptedOutOfEmail", p, "emailOptOut");
        Set<String> consumed = new HashSet<>(Set.of("Id", "Email", "FirstName", "LastName",
                "Title", countryField, "HasOptedOutOfEmail", "IsDeleted"));
        consumed.addAll(alsoConsumed);
        putAttributes(p, attributes(r, consumed));
        return p;
    }

    private static void opportunity(JsonNode r, List<ObjectNode> out) {
        ObjectNode o = record(RecordType.OPPORTUNITY);
        copy(r, "Id", o, "id");
        copy(r, "AccountId", o, "accountId");
        copy(r, "Name", o, "name");
        copy(r, "Amount", o, "amount");
        copy(r, "CurrencyIsoCode", o, "currency");
        copy(r, "StageName", o, "stage");
        copy(r, "IsWon", o, "isWon");
        copy(r, "IsClosed", o, "isClosed");
        copy(r, "CloseDate", o, "closeDate");
        String created = NativeJson.timestamp(text(r, "CreatedDate"));
        if (created != null) o.put("createdDate", created);
        putAttributes(o, attributes(r, Set.of("Id", "AccountId", "Name", "Amount", "CurrencyIsoCode", "StageName",
                "IsWon", "IsClosed", "CloseDate", "CreatedDate", "IsDeleted")));
        out.add(o);
    }

    private static void opportunityContactRole(JsonNode r, List<ObjectNode> out) {
        ObjectNode op = record(RecordType.OPPORTUNITY_PERSON);
        copy(r, "OpportunityId", op, "opportunityId");
        copy(r, "ContactId", op, "personId");
        copy(r, "Role", op, "role");
        putAttributes(op, attributes(r, Set.of("Id", "OpportunityId", "ContactId", "Role", "IsDeleted")));
        out.add(op);
    }

    /** A contact's relation to any account; an inactive one states that the relation ended. */
    private static void accountContactRelation(JsonNode r, List<ObjectNode> out) {
        ObjectNode ap = record(RecordType.ACCOUNT_PERSON);
        copy(r, "AccountId", ap, "accountId");
        copy(r, "ContactId", ap, "personId");
        copy(r, "Roles", ap, "role");
        putAttributes(ap, attributes(r, Set.of("Id", "AccountId", "ContactId", "Roles", "IsActive", "IsDeleted")));
        boolean inactive = r.has("IsActive") && !r.path("IsActive").asBoolean(true);
        out.add(inactive ? asDelete(ap) : ap);
    }

    private static void campaign(JsonNode r, List<ObjectNode> out) {
        ObjectNode c = record(RecordType.CAMPAIGN);
        copy(r, "Id", c, "id");
        copy(r, "Name", c, "name");
        copy(r, "Type", c, "campaignType");
        copy(r, "Status", c, "status");
        putAttributes(c, attributes(r, Set.of("Id", "Name", "Type", "Status", "IsDeleted")));
        out.add(c);
    }

    /** A member is a contact or a lead; a converted lead's member row names both, the contact wins. */
    private static void campaignMember(JsonNode r, List<ObjectNode> out) {
        ObjectNode m = record(RecordType.CAMPAIGN_MEMBER);
        copy(r, "CampaignId", m, "campaignId");
        copy(r, text(r, "ContactId") != null ? "ContactId" : "LeadId", m, "personId");
        copy(r, "Status", m, "status");
        putAttributes(m, attributes(r, Set.of("Id", "CampaignId", "ContactId", "LeadId", "Status", "IsDeleted")));
        out.add(m);
    }
}
