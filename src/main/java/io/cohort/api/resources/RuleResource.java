package io.cohort.api.resources;

import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.cohort.api.Views;
import io.cohort.api.error.ApiException;
import io.cohort.api.DraftRules;
import io.cohort.api.JsonBodies;
import io.cohort.auth.Role;
import io.cohort.engine.CompileResult;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuntimeIssue;
import java.util.List;
import io.cohort.engine.RuleService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.*;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The rule set: what runs, its messages, and validation of a draft without applying it. */
@Path("/v1/rules")
@Produces(MediaType.APPLICATION_JSON)
public class RuleResource {
    private final RuleService rules;
    private final java.util.function.Supplier<RuleBook> running;
    private final java.util.function.Supplier<List<RuntimeIssue>> issues;
    private final JsonBodies bodies;

    public RuleResource(RuleService rules, Evaluator evaluator, JsonBodies bodies) {
        this(rules, evaluator::ruleBook, () -> evaluator.stats().issues(), bodies);
    }

    /** @param running the rule set evaluating now; @param issues run-time issues of its rules */
    public RuleResource(RuleService rules, java.util.function.Supplier<RuleBook> running,
                        java.util.function.Supplier<List<RuntimeIssue>> issues, JsonBodies bodies) {
        this.rules = rules;
        this.running = running;
        this.issues = issues;
        this.bodies = bodies;
    }

    @GET
    @RolesAllowed({Role.ANALYST, Role.READER, Role.OPERATOR})
    public Views.RuleStatus status() {
        RuleBook book = running.get();
        RuleService.Status s = rules.statusOf(book.version());
        return new Views.RuleStatus(s.activeVersion(), s.activeSince(), s.files(), s.lastReloadFailed(), s.lastAttempt(),
                s.messages(), book.segments().keySet().stream().sorted().toList(), issues.get());
    }

    /**
     * Compiles the DRL in the body together with the current rule files (replacing the file of the
     * same name), applying nothing. 200 when valid, 422 with file/line/column errors when not. A
     * decision table too ({@code file=x.csv}, or {@code x.xlsx} with the workbook's bytes as the
     * body), its errors at their row and column.
     */
    @POST
    @Path("validate")
    @Consumes({MediaType.TEXT_PLAIN, "text/x-drl", MediaType.APPLICATION_OCTET_STREAM, MediaType.WILDCARD})
    @RolesAllowed(Role.ANALYST)
    @ApiResponse(responseCode = "200", description = "the draft compiles with the current rules; its segments",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Views.RuleValidation.class)))
    @ApiResponse(responseCode = "422", description = "it does not: messages with file, line, column",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Views.RuleValidation.class)))
    @ApiResponse(responseCode = "429", description = "two drafts (validations and previews) are compiling; Retry-After says when to come back",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.cohort.api.error.ApiError.class)))
    public Response validate(@QueryParam("file") @DefaultValue("draft.drl") String file, InputStream body) {
        DraftRules.fileName("file", file);
        // The bytes, not a text decoded here: a draft that is not UTF-8 is refused as it would be in rules/.
        byte[] drl = bodies.read(body);
        if (new String(drl, StandardCharsets.UTF_8).isBlank()) throw ApiException.badRequest("request body must hold the DRL text");
        CompileResult r;
        try {
            r = rules.validate(file, drl);
        } catch (RuleService.BusyException e) {
            // Compiling cannot be stopped (DrlSandbox.MAX_RULES bounds a draft): more wait their turn.
            throw ApiException.tooManyRequests(e.getMessage(), 10);
        }
        Views.RuleValidation out = new Views.RuleValidation(r.ok(), file, r.messages(), r.ruleBook().map(b -> b.segments()
                .values().stream().filter(s -> s.files().contains(file)).map(Views.SegmentSummary::of).toList()).orElse(null));
        return Response.status(r.ok() ? 200 : 422).entity(out).build();
    }
}
