package io.cohort.api.resources;

import io.cohort.analyst.Workbench;
import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.identity.UnifiedIds;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * GET /v1/segments/{id}/explain?person=&lt;profile id or email&gt;: evaluates that person's
 * unified data with the running rules and says whether they qualify, which rule(s) matched on
 * which facts (derived facts with the rules that derived them), or, when not, the segment's rules
 * to check. A root resource of its own so SegmentResource stays as it is; JAX-RS prefers this
 * longer literal path for .../explain.
 */
@Path("/v1/segments/{id}/explain")
@Produces(MediaType.APPLICATION_JSON)
public class ExplainResource {
    private final Workbench workbench;

    public ExplainResource(Workbench workbench) { this.workbench = workbench; }

    @GET
    @RolesAllowed(Role.ANALYST)
    public Workbench.Explanation explain(@PathParam("id") String segmentId, @QueryParam("person") String person) {
        if (person == null || person.isBlank()) {
            throw ApiException.badRequest("query parameter 'person' is required: a profile id (p-…) or an email");
        }
        String id = person.contains("@") ? UnifiedIds.personByEmail(UnifiedIds.normalizeEmail(person)) : person.trim();
        try {
            return workbench.explain(segmentId, id).orElseThrow(() -> ApiException.notFound("no profile '" + person + "'"));
        } catch (Workbench.UnknownSegmentException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }
}
