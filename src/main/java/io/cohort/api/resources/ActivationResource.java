package io.cohort.api.resources;

import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.destination.ActivationStatus;
import io.cohort.destination.Destinations;
import io.cohort.destination.OutboxStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Activations (a segment bound to a destination) for operators: where their rows stand (pending,
 * delivered, rejected), the retry state, and the two actions an operator takes — replay (send
 * the whole current state again, e.g. after someone edited the Marketo list by hand) and retry
 * now (end a backoff after fixing the cause). The same actions as the admin tasks, on the API
 * port with an operator token, so a browser never needs the admin port.
 */
@Path("/v1/activations")
@Produces(MediaType.APPLICATION_JSON)
public class ActivationResource {
    private static final int REFUSED_SHOWN = 20;
    private final Destinations destinations;
    private final OutboxStore outbox;

    /**
     * @param state            failed (a fatal error; retried every fatalRetryInterval), backing-off (a
     *                         retriable error; next attempt at nextAttemptAt), pending, or delivered
     * @param recentRejections the latest members the destination refused, newest first
     */
    public record ActivationView(String id, String segment, String destination, String state, long pending,
                                 long delivered, long rejected, long inAudience, Instant lastSuccessAt, String lastError,
                                 Instant lastErrorAt, boolean failed, Instant nextAttemptAt,
                                 List<RejectedMember> recentRejections) {}

    public record RejectedMember(String personId, String action, String reason, Instant at) {}

    public record Activations(List<ActivationView> activations) {}

    /** @param rows the rows made pending again (replay), or pending now (retry) */
    public record ActionDone(String activation, String action, long rows) {}

    public ActivationResource(Destinations destinations, OutboxStore outbox) {
        this.destinations = destinations;
        this.outbox = outbox;
    }

    @GET
    @RolesAllowed({Role.OPERATOR, Role.READER})
    public Activations list() {
        return new Activations(destinations.status().stream()
                .flatMap(d -> d.activations().stream()).map(this::view).toList());
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.OPERATOR, Role.READER})
    public ActivationView one(@PathParam("id") String id) {
        return destinations.status().stream().flatMap(d -> d.activations().stream())
                .filter(a -> a.id().equals(id)).findFirst().map(this::view)
                .orElseThrow(() -> unknown(id));
    }

    @POST
    @Path("{id}/replay")
    @RolesAllowed(Role.OPERATOR)
    public ActionDone replay(@PathParam("id") String id) {
        try {
            return new ActionDone(id, "replay", destinations.replay(id));
        } catch (NoSuchElementException e) {
            throw unknown(id);
        }
    }

    @POST
    @Path("{id}/retry")
    @RolesAllowed(Role.OPERATOR)
    public ActionDone retry(@PathParam("id") String id) {
        try {
            destinations.retryNow(id);
        } catch (NoSuchElementException e) {
            throw unknown(id);
        }
        return new ActionDone(id, "retry", outbox.counts(id).pending());
    }

    private ActivationView view(ActivationStatus s) {
        OutboxStore.Counts c = outbox.counts(s.id());
        String state = s.failed() ? "failed" : s.nextAttemptAt() != null ? "backing-off" : c.pending() > 0 ? "pending" : "delivered";
        List<RejectedMember> refused = c.rejected() == 0 ? List.of() : outbox.refused(s.id(), REFUSED_SHOWN).stream()
                .map(r -> new RejectedMember(r.personId(), r.action(), r.reason(), Instant.ofEpochMilli(r.at()))).toList();
        return new ActivationView(s.id(), s.segment(), s.destination(), state, c.pending(), c.delivered(), c.rejected(),
                c.inAudience(), s.lastSuccessAt(), s.lastError(), s.lastErrorAt(), s.failed(), s.nextAttemptAt(), refused);
    }

    private ApiException unknown(String id) {
        return ApiException.notFound("no activation '" + id + "'; activations: "
                + destinations.activations().stream().map(a -> a.id()).toList());
    }
}
