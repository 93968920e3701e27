package io.cohort.api.resources;

import io.cohort.api.Views;
import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.api.error.ApiException;
import io.cohort.api.JsonBodies;
import io.cohort.auth.Role;
import io.cohort.ingest.NativeFormatException;
import io.cohort.pipeline.Pipeline;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.*;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Ingestion: canonical records and vendors' native payloads, per configured source. */
@Path("/v1/sources")
@Produces(MediaType.APPLICATION_JSON)
public class SourceResource {
    private final Pipeline pipeline;
    private final JsonBodies bodies;

    public SourceResource(Pipeline pipeline, JsonBodies bodies) {
        this.pipeline = pipeline;
        this.bodies = bodies;
    }

    @GET
    @RolesAllowed({Role.INGEST, Role.READER, Role.OPERATOR})
    public Views.SourceList list() {
        Map<String, Views.SourceView> out = new TreeMap<>();
        pipeline.sources().forEach((id, f) -> out.put(id, new Views.SourceView(typeOf(f), f.nativeMapper(id).objects())));
        return new Views.SourceList(out);
    }

    /** {"records":[…]} as application/json, or one record per line as application/x-ndjson. */
    @POST
    @Path("{sourceId}/records")
    @Consumes({MediaType.APPLICATION_JSON, "application/x-ndjson", MediaType.WILDCARD})
    @RolesAllowed(Role.INGEST)
    public Pipeline.Accepted records(@PathParam("sourceId") String sourceId,
                                     @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, InputStream body) {
        requireSource(sourceId);
        // The media type itself, not a prefix: "application/jsonl" was read as JSON (RequestChecks parsed the header already).
        MediaType type = contentType == null ? MediaType.APPLICATION_JSON_TYPE : MediaType.valueOf(contentType);
        boolean ndjson = is(type, "x-ndjson");
        if (!ndjson && !is(type, "json")) {
            throw new ApiException(415, "Content-Type must be application/json or application/x-ndjson, got " + contentType);
        }
        List<JsonNode> records = bodies.records(bodies.read(body), ndjson);
        return pipeline.ingest(sourceId, records);
    }

    /** A vendor's native export (Marketo REST response, Salesforce SOQL result, MDM export). */
    @POST
    @Path("{sourceId}/native/{object}")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RolesAllowed(Role.INGEST)
    public Pipeline.Accepted nativePayload(@PathParam("sourceId") String sourceId, @PathParam("object") String object,
                                           InputStream body) throws NativeFormatException {
        requireSource(sourceId);
        JsonNode payload = bodies.parse(bodies.read(body));
        return pipeline.ingestNative(sourceId, object, payload);
    }

    private static boolean is(MediaType type, String applicationSubtype) {
        return type.getType().equalsIgnoreCase("application") && type.getSubtype().equalsIgnoreCase(applicationSubtype);
    }

    private void requireSource(String sourceId) {
        if (pipeline.source(sourceId).isEmpty()) {
            throw ApiException.notFound("unknown source '" + sourceId + "'; configured sources: "
                    + String.join(", ", new TreeMap<>(pipeline.sources()).keySet()));
        }
    }

    private static String typeOf(Object factory) {
        var name = factory.getClass().getAnnotation(com.fasterxml.jackson.annotation.JsonTypeName.class);
        return name == null ? factory.getClass().getSimpleName() : name.value();
    }
}
