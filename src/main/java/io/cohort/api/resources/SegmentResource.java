package io.cohort.api.resources;

import io.cohort.api.QueryParams;
import io.cohort.api.Views;
import io.cohort.api.error.ApiException;
import io.cohort.audience.AudienceLedger;
import io.cohort.audience.MembershipReader;
import io.cohort.auth.Role;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleBook;
import io.cohort.engine.SegmentDefinition;
import io.cohort.engine.Sweep;
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
    private final java.util.function.Supplier<RuleBook> rules;
    private final java.util.function.ToIntFunction<String> sizes;
    private final MembershipReader reader;
    private final java.util.function.Supplier<java.util.Optional<Sweep>> sweep;

    public SegmentResource(Evaluator evaluator, AudienceLedger ledger, MembershipReader reader) {
        this(evaluator::ruleBook, ledger::size, reader, evaluator::sweep);
    }

    /**
     * @param rules the running rule set (it declares the segments)
     * @param sizes segment id → its current member count
     * @param sweep the sweep over everyone in progress on this node, if any
     */
    public SegmentResource(java.util.function.Supplier<RuleBook> rules, java.util.function.ToIntFunction<String> sizes,
                           MembershipReader reader, java.util.function.Supplier<java.util.Optional<Sweep>> sweep) {
        this.rules = rules;
        this.sizes = sizes;
        this.reader = reader;
        this.sweep = sweep;
    }

    @GET
    public Views.SegmentList list() {
        var last = reader.lastChanges();
        var running = sweep.get();
        List<Views.SegmentView> out = new ArrayList<>();
        for (SegmentDefinition s : new TreeMap<>(rules.get().segments()).values()) {
            out.add(Views.SegmentView.of(s, sizes.applyAsInt(s.id()), last.get(s.id()), running));
        }
        return new Views.SegmentList(out);
    }

    @GET
    @Path("{id}")
    public Views.SegmentView one(@PathParam("id") String id) {
        return Views.SegmentView.of(segment(id), sizes.applyAsInt(id), reader.lastChanges().get(id), sweep.get());
    }

    @GET
    @Path("{id}/members")
    public Views.MemberPage members(@PathParam("id") String id, @QueryParam("status") @DefaultValue("realized") String status,
                                       @QueryParam("after") String after, @QueryParam("limit") String limit,
                                       @QueryParam("q") String q) {
        segment(id);
        QueryParams.text("after", after);
        if (!Set.of("realized", "exited", "all").contains(status)) {
            throw ApiException.badRequest("status must be realized, exited or all; got '" + status + "'");
        }
        int n = limit(limit);
        String search = q == null || q.isBlank() ? null : q.trim();
        if (search != null && search.length() > 320) throw ApiException.badRequest("q must be at most 320 characters");
        var members = reader.members(id, status, after, n + 1, search);
        return new Views.MemberPage(List.copyOf(members.subList(0, Math.min(n, members.size()))),
                members.size() > n ? members.get(n - 1).profileId() : null);
    }

    @GET
    @Path("{id}/changes")
    public Views.ChangePage changes(@PathParam("id") String id, @QueryParam("after") String after,
                                       @QueryParam("limit") String limit,
                                       @QueryParam("order") @DefaultValue("asc") String order, @QueryParam("before") String before) {
        segment(id);
        if (order.equals("desc")) return newestChanges(id, before, limit(limit));
        if (!order.equals("asc")) throw ApiException.badRequest("order must be asc or desc; got '" + order + "'");
        if (before != null) throw ApiException.badRequest("before pages the newest-first feed: use it with order=desc");
        long cursor = QueryParams.cursor("after", after, 0);
        int n = limit(limit);
        var changes = reader.changes(id, cursor, n);
        return new Views.ChangePage(changes, changes.isEmpty() ? cursor : changes.get(changes.size() - 1).seq());
    }

    /** The feed newest first (what a person looking at it wants); page on with before = next. */
    private Views.ChangePage newestChanges(String id, String before, int n) {
        Long cursor = null;
        if (before != null) {
            try {
                cursor = Long.parseLong(before);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("before must be a cursor returned as 'next' (a number); got '" + before + "'");
            }
        }
        var changes = reader.changesBefore(id, cursor, n);
        return new Views.ChangePage(changes, changes.size() < n ? null : changes.get(changes.size() - 1).seq());
    }

    private static int limit(String limit) {
        return QueryParams.whole("limit", limit, 100, 1, MAX_LIMIT);
    }

    private SegmentDefinition segment(String id) {
        return rules.get().segment(id).orElseThrow(() -> ApiException.notFound("no segment '" + id
                + "'; segments are declared by @segment(\"…\") in the rule files, see GET /v1/segments"));
    }
}
