package io.cohort.ingest.marketo;

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
import io.cohort.record.RecordType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Maps Marketo REST responses ({"requestId", "success", "result": […]}) to canonical records.
 *
 * <p>Marketo links companies, leads, opportunities and opportunity roles through the external
 * ids ({@code externalCompanyId}, {@code externalOpportunityId}), never through its own numeric
 * ids: a lead names its company by externalCompanyId, an opportunity names its company by
 * externalCompanyId, a role names its opportunity by externalOpportunityId. So the canonical key
 * of a company (opportunity) that has an external id is {@code "ext:" + externalId}; only
 * companies without one are keyed by Marketo's own id. That lets this stateless mapper resolve
 * every link without knowing Marketo's ids, and needs no stub records (a stub would share the
 * company's key and overwrite it). When {@code crmSource} is set, the external id is also the
 * CRM's id, stated as {@code sameAs}.
 */
final class MarketoMapper implements NativeMapper {

    static final String LIST_MEMBERS = "listMembers.";
    private static final List<String> NAMED = List.of("leads", "companies", "opportunities",
            "opportunityRoles", "activities", "lists");
    private static final List<String> OBJECTS =
            Stream.concat(NAMED.stream(), Stream.of(LIST_MEMBERS + "<listId>")).toList();

    private final String sourceId;
    private final String crmSource;

    MarketoMapper(String sourceId, String crmSource) {
        this.sourceId = sourceId;
        this.crmSource = crmSource;
    }

    @Override
    public List<String> objects() { return OBJECTS; }

    @Override
    public List<ObjectNode> map(String object, JsonNode payload) throws NativeFormatException {
        // Marketo list ids are integers; the list-leads response does not repeat it, the object name does.
        String listId = object.startsWith(LIST_MEMBERS) ? object.substring(LIST_MEMBERS.length()) : null;
        if (listId != null ? !listId.matches("\\d{1,18}") : !NAMED.contains(object)) {
            throw new NativeFormatException("object", "source '" + sourceId + "' is of type marketo; unknown object '"
                    + object + "', expected one of " + String.join(", ", OBJECTS));
        }
        List<JsonNode> items = MarketoEnvelope.results(payload);
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (listId != null) {
                out.add(listMember(listId, item));
                continue;
            }
            switch (object) {
                case "leads" -> lead(item, out);
                case "companies" -> out.add(company(item));
                case "opportunities" -> out.add(opportunity(item));
                case "opportunityRoles" -> out.add(opportunityRole(item));
                case "activities" -> out.add(MarketoActivities.event(item, i));
                case "lists" -> out.add(list(item));
                default -> throw new IllegalStateException(object);
            }
        }
        return out;
    }

    /** The canonical key for a record Marketo links by external id; see the class comment. */
    static String extKey(String externalId) {
        return externalId == null ? null : "ext:" + externalId;
    }

    /** A lead is a person; its externalCompanyId is its company relation (Marketo's only one). */
    private void lead(JsonNode item, List<ObjectNode> out) {
        ObjectNode p = record(RecordType.PERSON);
        copy(item, "id", p, "id");
        copy(item, "email", p, "email");
        copy(item, "firstName", p, "firstName");
        copy(item, "lastName", p, "lastName");
        copy(item, "title", p, "title");
        copy(item, "country", p, "country");
        // Opt-out is consent; emailInvalid (a bounce) is deliverability and stays an attribute.
        copy(item, "unsubscribed", p, "emailOptOut");
        putAttributes(p, attributes(item, Set.of("seq", "id", "email", "firstName", "lastName",
                "title", "country", "unsubscribed", "externalCompanyId", "leadRole")));
        out.add(p);

        String company = text(item, "externalCompanyId");
        if (company != null) {
            ObjectNode ap = record(RecordType.ACCOUNT_PERSON);
            ap.put("accountId", extKey(company));
            copy(item, "id", ap, "personId");
            copy(item, "leadRole", ap, "role");
            out.add(ap);
        }
    }

    private ObjectNode company(JsonNode item) {
        String external = text(item, "externalCompanyId");
        ObjectNode a = record(RecordType.ACCOUNT);
        if (external != null) a.put("id", extKey(external));
        else copy(item, "id", a, "id");
        copy(item, "company", a, "name");
        String domain = NativeJson.domain(text(item, "website"));
        if (domain != null) a.put("domain", domain);
        copy(item, "industry", a, "industry");
        copy(item, "numberOfEmployees", a, "employees");
        copy(item, "annualRevenue", a, "annualRevenue");
        copy(item, "billingCountry", a, "country");
        if (crmSource != null && external != null) a.set("sameAs", NativeJson.ref(crmSource, external));
        ObjectNode attrs = attributes(item, Set.of("seq", "id", "externalCompanyId", "company",
                "industry", "numberOfEmployees", "annualRevenue", "billingCountry"));
        // Keyed by the external id, the Marketo id is still worth keeping for people reading the data.
        if (external != null && text(item, "id") != null) attrs.put("marketoId", text(item, "id"));
        putAttributes(a, attrs);
        return a;
    }

    private ObjectNode opportunity(JsonNode item) {
        String external = text(item, "externalOpportunityId");
        ObjectNode o = record(RecordType.OPPORTUNITY);
        if (external != null) o.put("id", extKey(external));
        else copy(item, "marketoGUID", o, "id");
        String company = text(item, "externalCompanyId");
        if (company != null) o.put("accountId", extKey(company));
        copy(item, "name", o, "name");
        copy(item, "amount", o, "amount");
        copy(item, "currencyIsoCode", o, "currency");
        copy(item, "stage", o, "stage");
        copy(item, "isWon", o, "isWon");
        copy(item, "isClosed", o, "isClosed");
        String close = NativeJson.date(text(item, "closeDate"));
        if (close != null) o.put("closeDate", close);
        String created = NativeJson.timestamp(text(item, "createdAt"));
        if (created != null) o.put("createdDate", created);
        if (crmSource != null && external != null) o.set("sameAs", NativeJson.ref(crmSource, external));
        putAttributes(o, attributes(item, Set.of("seq", "externalOpportunityId", "externalCompanyId", "name",
                "amount", "currencyIsoCode", "stage", "isWon", "isClosed", "closeDate", "createdAt")));
        return o;
    }

    /**
     * An opportunity role links a lead to an opportunity by externalOpportunityId. Marketo's key
     * also holds the role, ours does not: a lead with two roles on one deal keeps the last one.
     */
    private ObjectNode opportunityRole(JsonNode item) {
        ObjectNode op = record(RecordType.OPPORTUNITY_PERSON);
        String opportunity = text(item, "externalOpportunityId");
        if (opportunity != null) op.put("opportunityId", extKey(opportunity));
        copy(item, "leadId", op, "personId");
        copy(item, "role", op, "role");
        putAttributes(op, attributes(item, Set.of("seq", "externalOpportunityId", "leadId", "role")));
        return op;
    }

    private ObjectNode list(JsonNode item) {
        ObjectNode l = record(RecordType.MARKETING_LIST);
        copy(item, "id", l, "id");
        copy(item, "name", l, "name");
        putAttributes(l, attributes(item, Set.of("seq", "id", "name")));
        return l;
    }

    /**
     * Only the membership: a list's lead page carries few lead fields, and re-stating the person
     * from it would blank the fields the full lead export gave.
     */
    private static ObjectNode listMember(String listId, JsonNode item) {
        ObjectNode m = record(RecordType.MARKETING_LIST_MEMBER);
        m.put("listId", listId);
        copy(item, "id", m, "personId");
        return m;
    }

}
