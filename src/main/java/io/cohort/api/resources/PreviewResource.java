package io.cohort.api.resources;

import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.analyst.Workbench;
import io.cohort.api.error.ApiException;
import io.cohort.api.DraftRules;
import io.cohort.api.JsonBodies;
import io.cohort.auth.Role;
import io.cohort.engine.RuleFiles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Set;

/**
 * POST /v1/rules/preview: what a draft rule file's segments would hold over all current
 * profiles, without applying the draft. Body {@code {"file": "draft.drl", "drl": "…", "sample": 10}};
 * 200 with per-segment counts and a sample of members, 422 with file/line/column messages when the
 * rules with the draft do not compile, 429 while two previews run or two drafts compile.
 */
@Path("/v1/rules/preview")
@Produces(MediaType.APPLICATION_JSON)
public class PreviewResource {
    private static final int MAX_SAMPLE = 100;
    private static final Set<String> FIELDS = Set.of("file", "drl", "sample");
    /** The media type of an Excel workbook, as spreadsheet programs and browsers send one. */
    static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    private final Workbench workbench;
    private final JsonBodies bodies;

    public PreviewResource(Workbench workbench, JsonBodies bodies) {
        this.workbench = workbench;
        this.bodies = bodies;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ANALYST)
    @ApiResponse(responseCode = "200", description = "counts and sample members per segment of the draft",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Workbench.Preview.class)))
    @ApiResponse(responseCode = "422", description = "the rules with the draft do not compile: messages with file, line, column",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Workbench.Preview.class)))
    @ApiResponse(responseCode = "429", description = "two previews are running, or two drafts (validations and previews) are compiling",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.cohort.api.error.ApiError.class)))
    public Response preview(InputStream body) {
        JsonNode req = bodies.parse(bodies.read(body));
        if (!req.isObject()) throw ApiException.badRequest("body must be {\"file\": \"draft.drl\", \"drl\": \"…\", \"sample\": 10}");
        req.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) throw ApiException.badRequest("unknown field '" + f + "'; allowed: drl, file, sample");
        });
        String file = req.path("file").asText("draft.drl");
        DraftRules.fileName("file", file);
        if (file.endsWith(".xlsx")) {
            throw ApiException.badRequest("a workbook is not JSON text: send its bytes as the body of POST /v1/rules/preview?file="
                    + "<name>.xlsx with Content-Type: application/octet-stream");
        }
        if (!req.path("drl").isTextual() || req.path("drl").asText().isBlank()) {
            throw ApiException.badRequest("'drl' must hold the DRL text of the draft");
        }
        JsonNode s = req.path("sample");
        if (!s.isMissingNode() && (!s.canConvertToInt() || !s.isIntegralNumber() || s.asInt() < 0 || s.asInt() > MAX_SAMPLE)) {
            throw ApiException.badRequest("'sample' must be a whole number from 0 to " + MAX_SAMPLE);
        }
        return run(file, req.path("drl").asText(), s.isMissingNode() ? 10 : s.asInt());
    }

    /**
     * The same with the rule as plain text, as validate takes it (curl --data-binary @draft.drl):
     * {@code POST /v1/rules/preview?file=draft.drl&sample=10}; or a decision table
     * ({@code file=x.csv}, or {@code x.xlsx} with the workbook's bytes).
     */
    @POST
    @Consumes({MediaType.TEXT_PLAIN, "text/x-drl", "text/csv", MediaType.APPLICATION_OCTET_STREAM, XLSX})
    @RolesAllowed(Role.ANALYST)
    @ApiResponse(responseCode = "200", description = "counts and sample members per segment of the draft",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Workbench.Preview.class)))
    @ApiResponse(responseCode = "422", description = "the rules with the draft do not compile: messages with file, line, column",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Workbench.Preview.class)))
    @ApiResponse(responseCode = "429", description = "two previews are running, or two drafts (validations and previews) are compiling",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.cohort.api.error.ApiError.class)))
    public Response previewText(@QueryParam("file") @DefaultValue("draft.drl") String file, @QueryParam("sample") String sample,
                                InputStream body) {
        DraftRules.fileName("file", file);
        int n = 10;
        if (sample != null) {
            try {
                n = Integer.parseInt(sample.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > MAX_SAMPLE) throw ApiException.badRequest("query parameter 'sample' must be a whole number from 0 to " + MAX_SAMPLE);
        }
        byte[] bytes = bodies.read(body);
        if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw ApiException.badRequest("request body must hold the draft: DRL text, a CSV decision table or an .xlsx workbook");
        }
        // As the rules directory reads a file of that name (a workbook travels as Base64 text).
        return run(file, RuleFiles.fromBytes(java.util.Map.of(file, bytes)).texts().get(file), n);
    }

    private Response run(String file, String drl, int sample) {
        Workbench.Preview p;
        try {
            p = workbench.preview(file, drl, sample);
        } catch (Workbench.BusyException | io.cohort.engine.RuleService.BusyException e) {
            throw ApiException.tooManyRequests(e.getMessage(), 10);
        } catch (Workbench.TimeoutException e) {
            // The draft is too costly to preview over everyone: the analyst's to change, not a fault.
            throw new ApiException(422, e.getMessage());
        }
        return Response.status(p.valid() ? 200 : 422).entity(p).build();
    }
}
