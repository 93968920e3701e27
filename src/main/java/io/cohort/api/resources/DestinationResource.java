package io.cohort.api.resources;

import io.cohort.api.Views;
import io.cohort.auth.Role;
import io.cohort.destination.Destinations;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Destinations and their activations: health, pending deliveries, last success and error. */
@Path("/v1/destinations")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.OPERATOR, Role.READER})
public class DestinationResource {
    private final Destinations destinations;

    public DestinationResource(Destinations destinations) {
        this.destinations = destinations;
    }

    @GET
    public Views.DestinationList list() {
        return new Views.DestinationList(destinations.status());
    }
}
