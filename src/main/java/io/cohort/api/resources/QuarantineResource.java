package io.cohort.api.resources;

import io.cohort.api.QueryParams;
import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.store.Quarantine;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Stored records that could not be loaded at start, for the operator: what they were, why they
 * failed, and their stored text. Fix the record at its source and send it again, then discard
 * the entry.
 */
@Path("/v1/sources/quarantine")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.OPERATOR)
public class QuarantineResource {
    private static final int MAX_LIMIT = 1_000;
    private final Quarantine quarantine;

    /** A page of entries, oldest first; {@code next} is the {@code after} of the following page (null at the end). */
    public record Page(long total, List<Quarantine.Entry> records, Long next) {}

    public QuarantineResource(Quarantine quarantine) {
        this.quarantine = quarantine;
    }

    @GET
    public Page list(@QueryParam("after") String afterParam, @QueryParam("limit") String limitParam) {
        long after = QueryParams.cursor("after", afterParam, 0);
        int limit = QueryParams.whole("limit", limitParam, 100, 1, MAX_LIMIT);
        List<Quarantine.Entry> entries = quarantine.list(after, limit + 1);
        boolean more = entries.size() > limit;
        List<Quarantine.Entry> page = more ? entries.subList(0, limit) : entries;
        return new Page(quarantine.count(), List.copyOf(page), more ? page.get(page.size() - 1).id() : null);
    }

    /** The operator has dealt with the entry (sent the record again, or decided it is not wanted). */
    @DELETE
    @Path("{id}")
    public Quarantine.Entry discard(@PathParam("id") String idText) {
        // Read here, not by JAX-RS: its 404 for "abc" said only "Not Found".
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException notANumber) {
            throw ApiException.notFound("no quarantined record '" + idText + "': quarantine ids are numbers (GET /v1/sources/quarantine lists them)");
        }
        Quarantine.Entry e = quarantine.list(id - 1, 1).stream().filter(x -> x.id() == id).findFirst()
                .orElseThrow(() -> ApiException.notFound("no quarantined record " + id));
        if (!quarantine.discard(id)) throw ApiException.notFound("no quarantined record " + id);
        return e;
    }
}
