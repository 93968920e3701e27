package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.StreamStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Companies, opportunity roles and opportunities around leads. Marketo has no "changed since"
 * query for them and links them by external ids, so they are read by the documented searchable
 * fields: companies by externalCompanyId, roles by leadId or externalOpportunityId, opportunities
 * by externalOpportunityId. Values go 100 per call (URLs stay far below Marketo's 8 KB limit).
 */
final class Related {
    private static final int PER_CALL = 100;
    private static final String ROLE_FIELDS = "marketoGUID,externalOpportunityId,leadId,role,isPrimary";

    private final MarketoConnector c;

    Related(MarketoConnector c) {
        this.c = c;
    }

    /** What hangs off these (raw) leads: their companies, their roles and the roles' opportunities. */
    List<ObjectNode> forLeads(StreamStatus status, List<JsonNode> leads) throws PullException, InterruptedException {
        Set<String> companies = new LinkedHashSet<>();
        Set<String> leadIds = new LinkedHashSet<>();
        for (JsonNode l : leads) {
            if (l.hasNonNull("externalCompanyId") && !l.get("externalCompanyId").asText().isBlank()) {
                companies.add(l.get("externalCompanyId").asText());
            }
            if (l.hasNonNull("id")) leadIds.add(l.get("id").asText());
        }
        List<ObjectNode> out = new ArrayList<>(companies(status, companies));
        if (wants("opportunityRoles") || wants("opportunities")) {
            List<JsonNode> roles = fetch("/rest/v1/opportunities/roles.json", "leadId", leadIds, ROLE_FIELDS);
            out.addAll(rolesAndOpportunities(status, roles));
        }
        return out;
    }

    List<ObjectNode> companies(StreamStatus status, Collection<String> externalIds) throws PullException, InterruptedException {
        if (!wants("companies") || externalIds.isEmpty()) return List.of();
        return c.map(status, "companies", fetch("/rest/v1/companies.json", "externalCompanyId", externalIds,
                String.join(",", c.config.getCompanyFields())));
    }

    /** Opportunities by external id, then all their roles. */
    List<ObjectNode> opportunities(StreamStatus status, Collection<String> externalIds) throws PullException, InterruptedException {
        List<ObjectNode> out = new ArrayList<>();
        if (wants("opportunities")) out.addAll(opportunityRecords(status, externalIds));
        if (wants("opportunityRoles") && !externalIds.isEmpty()) {
            out.addAll(c.map(status, "opportunityRoles",
                    fetch("/rest/v1/opportunities/roles.json", "externalOpportunityId", externalIds, ROLE_FIELDS)));
        }
        return out;
    }

    private List<ObjectNode> rolesAndOpportunities(StreamStatus status, List<JsonNode> roles) throws PullException, InterruptedException {
        List<ObjectNode> out = new ArrayList<>();
        if (wants("opportunityRoles")) out.addAll(c.map(status, "opportunityRoles", roles));
        Set<String> opps = new LinkedHashSet<>();
        roles.forEach(r -> {
            if (r.hasNonNull("externalOpportunityId")) opps.add(r.get("externalOpportunityId").asText());
        });
        if (wants("opportunities")) out.addAll(opportunityRecords(status, opps));
        return out;
    }

    private List<ObjectNode> opportunityRecords(StreamStatus status, Collection<String> externalIds) throws PullException, InterruptedException {
        if (externalIds.isEmpty()) return List.of();
        return c.map(status, "opportunities", fetch("/rest/v1/opportunities.json", "externalOpportunityId",
                externalIds, String.join(",", c.config.getOpportunityFields())));
    }

    private boolean wants(String object) { return c.config.getObjects().contains(object); }

    /** GET path?filterType=…&filterValues=… in chunks, following nextPageToken; the raw result items. */
    private List<JsonNode> fetch(String path, String filterType, Collection<String> values, String fields)
            throws PullException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        List<String> all = new ArrayList<>(values);
        for (int from = 0; from < all.size(); from += PER_CALL) {
            String base = path + "?filterType=" + filterType + "&batchSize=300&fields=" + MarketoApi.enc(fields)
                    + "&filterValues=" + MarketoApi.enc(String.join(",", all.subList(from, Math.min(all.size(), from + PER_CALL))));
            String token = null;
            do {
                JsonNode page = c.api.get(base + (token == null ? "" : "&nextPageToken=" + MarketoApi.enc(token)));
                out.addAll(MarketoConnector.results(page));
                token = page.path("nextPageToken").asText(null);
                if (!page.path("moreResult").asBoolean(false)) token = null;
            } while (token != null);
        }
        return out;
    }
}
