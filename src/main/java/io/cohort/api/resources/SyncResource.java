package io.cohort.api.resources;

import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.ingest.pull.SyncStatusView;
import io.cohort.ingest.pull.SyncStatuses;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Where a pull connector stands: last sync, lag, records, API calls and quota, errors, backfills.
 * In cluster mode any node answers, with {@code runBy} naming the node that runs the source.
 */
@Path("/v1/sources/{sourceId}/sync")
@Produces(MediaType.APPLICATION_JSON)
public class SyncResource {
    private final SyncStatuses statuses;

    public SyncResource(SyncStatuses statuses) {
        this.statuses = statuses;
    }

    @GET
    @RolesAllowed({Role.OPERATOR, Role.READER, Role.INGEST})
    public SyncStatusView status(@PathParam("sourceId") String sourceId) {
        return statuses.status(sourceId).orElseThrow(() -> ApiException.notFound("source '" + sourceId
                + "' has no pull: block, so Cohort does not fetch it; sources that are pulled: "
                + String.join(", ", statuses.pulled())));
    }
}
