package io.cohort.api.resources;

import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.ingest.pull.Connectors;
import io.cohort.ingest.pull.SyncStatusView;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.TreeSet;

/** Where a pull connector stands: last sync, lag, records, API calls and quota, errors, backfills. */
@Path("/v1/sources/{sourceId}/sync")
@Produces(MediaType.APPLICATION_JSON)
public class SyncResource {
    private final Connectors connectors;

    public SyncResource(Connectors connectors) {
        this.connectors = connectors;
    }

    @GET
    @RolesAllowed({Role.OPERATOR, Role.READER, Role.INGEST})
    public SyncStatusView status(@PathParam("sourceId") String sourceId) {
        return connectors.get(sourceId).orElseThrow(() -> ApiException.notFound("source '" + sourceId
                + "' has no pull: block, so Cohort does not fetch it; sources that are pulled: "
                + String.join(", ", new TreeSet<>(connectors.all().keySet())))).status();
    }
}
