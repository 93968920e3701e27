package io.cohort.api.resources;

import io.cohort.auth.Caller;
import io.cohort.auth.Role;
import io.dropwizard.auth.Auth;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * GET /v1/me: who the token belongs to and what it may do, so a client (the console) offers only
 * what the caller's roles allow. Any role may ask.
 */
@Path("/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {

    /** @param roles sorted: ingest, analyst, reader, operator as configured in auth.tokens */
    public record Me(String name, List<String> roles) {}

    @GET
    @RolesAllowed({Role.INGEST, Role.ANALYST, Role.READER, Role.OPERATOR})
    public Me me(@Auth Caller caller) {
        return new Me(caller.name(), caller.roles().stream().sorted().toList());
    }
}
