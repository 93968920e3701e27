package io.cohort.api.resources;

import io.cohort.api.Views;
import io.cohort.Pipeline;
import io.cohort.api.ApiException;
import io.cohort.auth.Role;
import io.cohort.ingest.RecordType;
import io.cohort.store.RecordStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * One stored source record, as its source last stated it. Read-only: lets a source (or an
 * operator) check that an acknowledged write is there, e.g. after a crash. The key of a relation
 * is its key fields joined by '|' (URL-encoded as %7C), e.g. {@code accountPerson/001-T1%7C003-P1}.
 */
@Path("/v1/sources/{sourceId}/records/{type}/{key: .+}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.OPERATOR})
public class RecordResource {
    private final Pipeline pipeline;
    private final RecordStore store;

    public RecordResource(Pipeline pipeline, RecordStore store) {
        this.pipeline = pipeline;
        this.store = store;
    }

    @GET
    public Views.StoredRecordView get(@PathParam("sourceId") String sourceId, @PathParam("type") String type,
                                   @PathParam("key") String key) {
        if (pipeline.source(sourceId).isEmpty()) throw ApiException.notFound("unknown source '" + sourceId + "'");
        if (RecordType.fromWire(type).isEmpty()) {
            throw ApiException.notFound("unknown record type '" + type + "'; expected one of " + RecordType.wireNames());
        }
        var r = store.find(sourceId, type, key).orElseThrow(() -> ApiException.notFound(
                "no " + type + " '" + key + "' stored for source '" + sourceId + "'"));
        return new Views.StoredRecordView(r.source(), type, key, r.batchSeq(), r.record());
    }
}
