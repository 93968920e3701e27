package io.cohort.api.resources;

import io.cohort.analyst.FieldValues;
import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.engine.sandbox.FactCatalog;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Field discovery for rule authors. {@code GET /v1/fields}: every fact type with its fields (type,
 * description, the entity an id field joins) and helpers, exactly what the rule sandbox accepts.
 * {@code GET /v1/fields/{type}.{field}/values?limit=20}: the values the stored records hold, most
 * frequent first, with counts ({@link FieldValues}).
 */
@Path("/v1/fields")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.ANALYST, Role.OPERATOR})
public class FieldResource {
    private final FieldValues values;

    /** @param countable the "Type.field" paths whose values can be listed */
    public record Fields(List<FactCatalog.FactType> types, List<String> countable) {}

    public FieldResource(FieldValues values) {
        this.values = values;
    }

    @GET
    public Fields fields() {
        return new Fields(FactCatalog.types(), FieldValues.countable());
    }

    @GET
    @Path("/{path}/values")
    @ApiResponse(responseCode = "200", description = "the most frequent values with their counts",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FieldValues.Values.class)))
    @ApiResponse(responseCode = "429", description = "another count is running",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.cohort.api.error.ApiError.class)))
    public FieldValues.Values values(@PathParam("path") String path, @QueryParam("limit") String limit) {
        int n = io.cohort.api.QueryParams.whole("limit", limit, 20, 1, FieldValues.MAX_LIMIT);
        if (path.length() > 300) throw ApiException.badRequest("a field path is at most 300 characters: Type.field");
        try {
            return values.count(path, n);
        } catch (FieldValues.FieldException e) {
            throw e.unknown() ? ApiException.notFound(e.getMessage()) : ApiException.badRequest(e.getMessage());
        } catch (FieldValues.BusyException e) {
            throw ApiException.tooManyRequests(e.getMessage(), 5);
        }
    }
}
