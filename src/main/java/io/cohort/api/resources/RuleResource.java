package io.cohort.api.resources;

import io.cohort.api.ApiException;
import io.cohort.api.DraftRules;
import io.cohort.api.JsonBodies;
import io.cohort.auth.Role;
import io.cohort.engine.CompileResult;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.*;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The rule set: what runs, its messages, and validation of a draft without applying it. */
@Path("/v1/rules")
@Produces(MediaType.APPLICATION_JSON)
public class RuleResource {
    private final RuleService rules;
    private final Evaluator evaluator;
    private final JsonBodies bodies;

    public RuleResource(RuleService rules, Evaluator evaluator, JsonBodies bodies) {
        this.rules = rules;
        this.evaluator = evaluator;
        this.bodies = bodies;
    }

    @GET
    @RolesAllowed({Role.ANALYST, Role.READER, Role.OPERATOR})
    public Map<String, Object> status() {
        RuleService.Status s = rules.status();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("activeVersion", s.activeVersion());
        out.put("activeSince", s.activeSince());
        out.put("files", s.files());
        out.put("lastReloadFailed", s.lastReloadFailed());
        out.put("lastAttempt", s.lastAttempt());
        out.put("messages", s.messages());
        out.put("segments", evaluator.ruleBook().segments().keySet().stream().sorted().toList());
        out.put("runtimeIssues", evaluator.stats().issues());
        return out;
    }

    /**
     * Compiles the DRL in the body together with the current rule files (replacing the file of the
     * same name), applying nothing. 200 when valid, 422 with file/line/column errors when not.
     */
    @POST
    @Path("validate")
    @Consumes({MediaType.TEXT_PLAIN, "text/x-drl", MediaType.APPLICATION_OCTET_STREAM, MediaType.WILDCARD})
    @RolesAllowed(Role.ANALYST)
    public Response validate(@QueryParam("file") @DefaultValue("draft.drl") String file, InputStream body) {
        DraftRules.fileName("file", file);
        String drl = new String(bodies.read(body), StandardCharsets.UTF_8);
        if (drl.isBlank()) throw ApiException.badRequest("request body must hold the DRL text");
        DraftRules.checkNames(file, drl);
        CompileResult r = rules.validate(file, drl);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("valid", r.ok());
        out.put("file", file);
        out.put("messages", r.messages());
        r.ruleBook().ifPresent(b -> out.put("segments", b.segments().values().stream()
                .filter(s -> s.files().contains(file)).map(SegmentResource::view).toList()));
        return Response.status(r.ok() ? 200 : 422).entity(out).build();
    }
}
