package io.cohort.destination.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.destination.Activation;
import io.cohort.destination.AudienceChange;
import io.cohort.destination.ConnectionCheck;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.DeliveryResult;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.Rejection;
import io.cohort.vendor.MarketoLimits;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps a Marketo static list equal to the audience (List Membership endpoints):
 * add = {@code POST /rest/v1/lists/{listId}/leads.json} with {@code {"input":[{"id":…}]}},
 * remove = {@code DELETE} on the same path with {@code id} query parameters (the documented
 * form), at most 300 leads a call. A person is its lead ids from {@code identities[source]},
 * else the leads found by email, else (ADD and {@code createMissingLeads}) a lead created by
 * email; otherwise it is rejected. Record-level "skipped" results become {@link Rejection}s.
 */
final class MarketoDestination implements Destination {
    private static final int MAX_IDS = 300;
    /** Keeps GET query strings well under Marketo's 8 KB URI limit (HTTP 414). */
    private static final int MAX_QUERY_CHARS = 6000;
    /** 1015 "Lead not in list" on remove: the wanted state already holds. */
    private static final String NOT_IN_LIST = "1015";

    /** Emails whose lead ids were looked up or created: most people enter and exit again. */
    private static final int CACHED_EMAILS = 100_000;
    /** 1004 "Lead not found": a cached id may have been deleted or merged in Marketo since. */
    private static final String LEAD_NOT_FOUND = "1004";

    private final MarketoDestinationFactory config;
    private final MarketoClient client;
    /**
     * Normalized email → lead ids, least recently used evicted first (Caffeine). Saves the lookup
     * (and create) call per change of a person known to Marketo only by email; Marketo allows
     * 100 calls per 20 s.
     */
    private final Cache<String, Set<Long>> leadsByEmail = Caffeine.newBuilder().maximumSize(CACHED_EMAILS).build();

    MarketoDestination(String id, MarketoDestinationFactory config, DestinationContext ctx) {
        this.config = config;
        this.client = new MarketoClient(config, ctx.http(), ctx.mapper(), ctx.clock(),
                MarketoLimits.budget(ctx.limits(), config.getBaseUrl(), config.limits()));
    }

    @Override public int maxBatchSize() { return config.getBatchSize(); }

    @Override
    public List<String> validateActivation(Map<String, String> params) {
        String listId = params.get("listId");
        if (listId == null || listId.isBlank()) return List.of("param 'listId' (the Marketo static list id) is required");
        if (!listId.trim().matches("[1-9][0-9]{0,18}")) return List.of("param 'listId' must be a positive number, was '" + listId + "'");
        return List.of();
    }

    @Override
    public ConnectionCheck check() {
        try {
            client.fetchToken();
            return ConnectionCheck.healthy("Marketo token obtained");
        } catch (DeliveryException e) {
            return ConnectionCheck.failed(e.getMessage());
        }
    }

    @Override
    public DeliveryResult deliver(Activation activation, List<AudienceChange> changes) throws DeliveryException {
        // The exit of a merged-away person whose email a member still has: the lead stays in the list
        // (a stale duplicate lead of that email is the lesser harm than a member's lead removed).
        List<AudienceChange> send = changes.stream()
                .filter(c -> !(c.action() == AudienceChange.Action.REMOVE && c.emailStillWanted())).toList();
        return send.isEmpty() ? DeliveryResult.ok() : deliver(activation, send, true);
    }

    /** @param retryStale once more for adds whose cached lead Marketo no longer has (looked up afresh) */
    private DeliveryResult deliver(Activation activation, List<AudienceChange> changes, boolean retryStale)
            throws DeliveryException {
        String listId = activation.param("listId").trim();
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        Set<String> cachedPeople = new java.util.HashSet<>();
        Map<String, Set<Long>> leads = resolveLeads(changes, reasons, cachedPeople);
        Set<Long> staleAdds = new java.util.HashSet<>();

        Map<Long, Set<String>> addOwners = new LinkedHashMap<>();
        Map<Long, Set<String>> removeOwners = new LinkedHashMap<>();
        for (AudienceChange c : changes) {
            var owners = c.action() == AudienceChange.Action.ADD ? addOwners : removeOwners;
            for (Long lead : leads.getOrDefault(c.personId(), Set.of())) {
                owners.computeIfAbsent(lead, k -> new LinkedHashSet<>()).add(c.personId());
            }
        }
        // One lead, two people: a merge exits the old person and enters the merged one with the same email. The
        // lead stays in the list while anyone entering owns it (removing after adding would take it out).
        removeOwners.keySet().removeAll(addOwners.keySet());
        String path = "/rest/v1/lists/" + listId + "/leads.json";
        for (List<Long> chunk : chunks(new ArrayList<>(addOwners.keySet()), MAX_IDS)) {
            Map<String, Object> body = Map.of("input", chunk.stream().map(id -> Map.of("id", id)).toList());
            staleAdds.addAll(collectSkipped(client.call("POST", path, body), addOwners, Set.of(), reasons));
        }
        for (List<Long> chunk : chunks(new ArrayList<>(removeOwners.keySet()), MAX_IDS)) {
            String query = chunk.stream().map(id -> "id=" + id).collect(Collectors.joining("&"));
            forgetMissing(collectSkipped(client.call("DELETE", path + "?" + query, null), removeOwners, Set.of(NOT_IN_LIST), reasons));
        }
        forgetMissing(staleAdds);
        List<AudienceChange> again = !retryStale ? List.of() : changes.stream()
                .filter(c -> c.action() == AudienceChange.Action.ADD && cachedPeople.contains(c.personId())
                        && leads.getOrDefault(c.personId(), Set.of()).stream().anyMatch(staleAdds::contains))
                .toList();
        if (!again.isEmpty()) {
            again.forEach(c -> reasons.remove(c.personId()));
            for (Rejection r : deliver(activation, again, false).rejections()) {
                reasons.computeIfAbsent(r.personId(), k -> new ArrayList<>()).add(r.reason());
            }
        }
        List<Rejection> rejections = new ArrayList<>();
        reasons.forEach((person, why) -> rejections.add(new Rejection(person, String.join("; ", why))));
        return new DeliveryResult(rejections);
    }

    /** person id → Marketo lead ids; people with none get a reason (ADD) or nothing to do (REMOVE). */
    private Map<String, Set<Long>> resolveLeads(List<AudienceChange> changes, Map<String, List<String>> reasons,
                                                Set<String> cachedPeople) throws DeliveryException {
        Map<String, Set<Long>> leads = new LinkedHashMap<>();
        List<AudienceChange> byEmail = new ArrayList<>();
        for (AudienceChange c : changes) {
            Set<Long> ids = new LinkedHashSet<>();
            for (String raw : c.identities().getOrDefault(config.getSource(), List.of())) {
                try {
                    ids.add(Long.parseLong(raw.trim()));
                } catch (NumberFormatException e) {
                    reasons.computeIfAbsent(c.personId(), k -> new ArrayList<>()).add("invalid Marketo lead id '" + raw + "'");
                }
            }
            if (!ids.isEmpty()) leads.put(c.personId(), ids);
            else if (c.email() != null) byEmail.add(c);
            else if (c.action() == AudienceChange.Action.ADD) {
                reasons.computeIfAbsent(c.personId(), k -> new ArrayList<>())
                        .add("no '" + config.getSource() + "' lead id and no email");
            }
        }
        if (byEmail.isEmpty()) return leads;

        Map<String, Set<Long>> found = new java.util.HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String email : byEmail.stream().map(c -> norm(c.email())).distinct().toList()) {
            Set<Long> cached = leadsByEmail.getIfPresent(email);
            if (cached != null) found.put(email, cached);
            else unknown.add(email);
        }
        // With createMissingLeads, an add of an unknown email goes straight to createOrUpdate (one
        // call, which answers the existing lead's id as well): a lookup first cost a call per
        // batch of Marketo's 100 per 20 s. Only removes need a lookup (nothing to create).
        Set<String> adds = new java.util.HashSet<>();
        for (AudienceChange c : byEmail) if (c.action() == AudienceChange.Action.ADD) adds.add(norm(c.email()));
        Map<String, Set<Long>> looked = findByEmail(!config.isCreateMissingLeads() ? unknown
                : unknown.stream().filter(e -> !adds.contains(e)).toList());
        leadsByEmail.putAll(looked);
        found.putAll(looked);
        List<AudienceChange> missing = new ArrayList<>();
        for (AudienceChange c : byEmail) {
            Set<Long> ids = found.get(norm(c.email()));
            if (ids != null && !looked.containsKey(norm(c.email()))) cachedPeople.add(c.personId());
            if (ids != null) leads.put(c.personId(), ids);
            else if (c.action() == AudienceChange.Action.ADD) missing.add(c);
            // a REMOVE without any lead: Marketo cannot have the person in the list
        }
        if (missing.isEmpty()) return leads;
        if (!config.isCreateMissingLeads()) {
            for (AudienceChange c : missing) {
                reasons.computeIfAbsent(c.personId(), k -> new ArrayList<>())
                        .add("no Marketo lead for " + c.email() + " (createMissingLeads is off)");
            }
            return leads;
        }
        for (List<AudienceChange> chunk : chunks(missing, MAX_IDS)) {
            Map<String, Object> body = Map.of("action", "createOrUpdate", "lookupField", "email",
                    "input", chunk.stream().map(c -> Map.of("email", c.email())).toList());
            JsonNode result = client.call("POST", "/rest/v1/leads.json", body).path("result");
            for (int i = 0; i < chunk.size(); i++) { // results come in input order
                JsonNode r = result.path(i);
                AudienceChange c = chunk.get(i);
                if (r.hasNonNull("id") && !"skipped".equals(r.path("status").asText())) {
                    leads.put(c.personId(), Set.of(r.get("id").asLong()));
                    leadsByEmail.put(norm(c.email()), Set.of(r.get("id").asLong()));
                } else {
                    reasons.computeIfAbsent(c.personId(), k -> new ArrayList<>()).add("lead not created: " + reasonText(r));
                }
            }
        }
        return leads;
    }

    private Map<String, Set<Long>> findByEmail(List<String> emails) throws DeliveryException {
        Map<String, Set<Long>> found = new LinkedHashMap<>();
        List<String> chunk = new ArrayList<>();
        int chars = 0;
        for (int i = 0; i <= emails.size(); i++) {
            String next = i < emails.size() ? MarketoClient.enc(emails.get(i)) : null;
            if (next == null || chunk.size() == MAX_IDS || chars + next.length() + 3 > MAX_QUERY_CHARS) {
                if (!chunk.isEmpty()) {
                    JsonNode result = client.call("GET", "/rest/v1/leads.json?filterType=email&fields=id,email&filterValues="
                            + String.join(",", chunk), null).path("result");
                    for (JsonNode lead : result) {
                        found.computeIfAbsent(norm(lead.path("email").asText()), k -> new LinkedHashSet<>())
                                .add(lead.path("id").asLong());
                    }
                }
                chunk.clear();
                chars = 0;
            }
            if (next != null) {
                chunk.add(next);
                chars += next.length() + 3;
            }
        }
        return found;
    }

    /** Leads Marketo no longer has leave the cache, so the next change of their people looks again. */
    private void forgetMissing(Set<Long> missing) {
        if (missing.isEmpty()) return;
        leadsByEmail.asMap().values().removeIf(ids -> ids.stream().anyMatch(missing::contains));
    }

    /**
     * Record-level results: status "skipped" with reasons → a reason for every owner of the lead.
     *
     * @return the leads Marketo reported as not found
     */
    private static Set<Long> collectSkipped(JsonNode response, Map<Long, Set<String>> owners, Set<String> benign,
                                            Map<String, List<String>> reasons) {
        Set<Long> notFound = new java.util.HashSet<>();
        for (JsonNode r : response.path("result")) {
            if (!"skipped".equals(r.path("status").asText())) continue;
            boolean allBenign = r.path("reasons").size() > 0;
            for (JsonNode why : r.path("reasons")) {
                allBenign &= benign.contains(why.path("code").asText());
                if (LEAD_NOT_FOUND.equals(why.path("code").asText())) notFound.add(r.path("id").asLong());
            }
            if (allBenign) continue;
            long lead = r.path("id").asLong();
            for (String person : owners.getOrDefault(lead, Set.of())) {
                reasons.computeIfAbsent(person, k -> new ArrayList<>()).add("lead " + lead + ": " + reasonText(r));
            }
        }
        return notFound;
    }

    private static String reasonText(JsonNode r) {
        List<String> parts = new ArrayList<>();
        for (JsonNode why : r.path("reasons")) parts.add(why.path("code").asText() + " " + why.path("message").asText());
        return parts.isEmpty() ? r.path("status").asText("no result") : String.join(", ", parts);
    }

    private static String norm(String email) { return email.trim().toLowerCase(Locale.ROOT); }

    private static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) out.add(all.subList(i, Math.min(all.size(), i + size)));
        return out;
    }
}
