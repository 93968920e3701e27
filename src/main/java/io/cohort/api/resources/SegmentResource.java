package io.cohort.api.resources;

import io.cohort.api.ApiException;
import io.cohort.audience.AudienceLedger;
import io.cohort.audience.MembershipReader;
import io.cohort.auth.Role;
import io.cohort.engine.Evaluator;
import io.cohort.engine.SegmentDefinition;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.*;
import jakarta.ws.rs.core.MediaType;
import java.util.*;

/** Segments (declared by the rule files), their members and their change feeds. */
@Path("/v1/segments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.ANALYST, Role.OPERATOR})
public class SegmentResource {
    private static final int MAX_LIMIT = 1_000;
    private final Evaluator evaluator;
    private final AudienceLedger ledger;
    private final MembershipReader reader;

    public SegmentResource(Evaluator evaluator, AudienceLedger ledger, MembershipReader reader) {
        this.evaluator = evaluator;
        this.ledger = ledger;
        this.reader = reader;
    }

    @GET
    public Map<String, Object> list() {
        var last = reader.lastChanges();
        List<Map<String, Object>> out = new ArrayList<>();
        for (SegmentDefinition s : new TreeMap<>(evaluator.ruleBook().segments()).values()) {
            Map<String, Object> v = view(s);
            v.put("size", ledger.size(s.id()));
            v.put("lastChange", last.get(s.id()));
            out.add(v);
        }
        return Map.of("segments", out);
    }

    @GET
    @Path("{id}")
    public Map<String, Object> one(@PathParam("id") String id) {
        SegmentDefinition s = segment(id);
        Map<String, Object> v = view(s);
        v.put("size", ledger.size(id));
        v.put("lastChange", reader.lastChanges().get(id));
        return v;
    }

    @GET
    @Path("{id}/members")
    public Map<String, Object> members(@PathParam("id") String id, @QueryParam("status") @DefaultValue("realized") String status,
                                       @QueryParam("after") String after, @QueryParam("limit") @DefaultValue("100") int limit,
                                       @QueryParam("q") String q) {
        segment(id);
        if (!Set.of("realized", "exited", "all").contains(status)) {
            throw ApiException.badRequest("status must be realized, exited or all; got '" + status + "'");
        }
        int n = checkLimit(limit);
        String search = q == null || q.isBlank() ? null : q.trim();
        if (search != null && search.length() > 320) throw ApiException.badRequest("q must be at most 320 characters");
        var members = reader.members(id, status, after, n + 1, search);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("members", members.subList(0, Math.min(n, members.size())));
        out.put("next", members.size() > n ? members.get(n - 1).profileId() : null);
        return out;
    }

    @GET
    @Path("{id}/changes")
    public Map<String, Object> changes(@PathParam("id") String id, @QueryParam("after") @DefaultValue("0") String after,
                                       @QueryParam("limit") @DefaultValue("100") int limit,
                                       @QueryParam("order") @DefaultValue("asc") String order, @QueryParam("before") String before) {
        segment(id);
        if (order.equals("desc")) return newestChanges(id, before, checkLimit(limit));
        if (!order.equals("asc")) throw ApiException.badRequest("order must be asc or desc; got '" + order + "'");
        if (before != null) throw ApiException.badRequest("before pages the newest-first feed: use it with order=desc");
        long cursor;
        try {
            cursor = Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("after must be a cursor returned as 'next' (a number); got '" + after + "'");
        }
        int n = checkLimit(limit);
        var changes = reader.changes(id, cursor, n);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("changes", changes);
        out.put("next", changes.isEmpty() ? cursor : changes.get(changes.size() - 1).seq());
        return out;
    }

    /** The feed newest first (what a person looking at it wants); page on with before = next. */
    private Map<String, Object> newestChanges(String id, String before, int n) {
        Long cursor = null;
        if (before != null) {
            try {
                cursor = Long.parseLong(before);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("before must be a cursor returned as 'next' (a number); got '" + before + "'");
            }
        }
        var changes = reader.changesBefore(id, cursor, n);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("changes", changes);
        out.put("next", changes.size() < n ? null : changes.get(changes.size() - 1).seq());
        return out;
    }

    private static int checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        return limit;
    }

    private SegmentDefinition segment(String id) {
        return evaluator.ruleBook().segment(id).orElseThrow(() -> ApiException.notFound("no segment '" + id
                + "'; segments are declared by @segment(\"…\") in the rule files, see GET /v1/segments"));
    }

    static Map<String, Object> view(SegmentDefinition s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", s.id());
        v.put("name", s.name());
        v.put("description", s.description());
        v.put("ruleFiles", s.files());
        v.put("rules", s.rules());
        return v;
    }
}
