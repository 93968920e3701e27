package io.cohort.api.resources;

import io.cohort.api.Views;
import io.cohort.api.error.ApiException;
import io.cohort.api.ProfileViews;
import io.cohort.audience.MembershipReader;
import io.cohort.auth.Role;
import io.cohort.identity.Neighbourhood;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.model.Account;
import io.cohort.model.Person;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.*;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;

/** Unified people and accounts. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.ANALYST, Role.OPERATOR})
public class ProfileResource {
    private final ProfileGraph graph;
    private final MembershipReader memberships;
    private final Clock clock;
    private final Duration eventRetention;

    public ProfileResource(ProfileGraph graph, MembershipReader memberships, Clock clock, Duration eventRetention) {
        this.graph = graph;
        this.memberships = memberships;
        this.clock = clock;
        this.eventRetention = eventRetention;
    }

    @GET
    @Path("profiles")
    public Views.PersonProfile byEmail(@QueryParam("email") String email) {
        if (email == null || email.isBlank()) throw ApiException.badRequest("query parameter 'email' is required");
        String id = UnifiedIds.personByEmail(UnifiedIds.normalizeEmail(email));
        return find(id).orElseThrow(() -> ApiException.notFound("no profile with email '" + shown(email) + "' (its profile id would be '" + id
                + "')"));
    }

    /** The address as the client sent it, cut short (it is echoed back in JSON, so control characters are escaped there). */
    private static String shown(String email) {
        String t = email.strip();
        return t.length() > 80 ? t.substring(0, 80) + "..." : t;
    }

    @GET
    @Path("profiles/{id}")
    public Views.PersonProfile byId(@PathParam("id") String id) {
        return find(id).orElseThrow(() -> ApiException.notFound("no profile '" + id + "'"));
    }

    private java.util.Optional<Views.PersonProfile> find(String id) {
        // The person, their accounts and those accounts' deals: what one profile shows, however
        // many companies the person's relations chain together.
        java.time.Instant now = clock.instant();
        Neighbourhood cf = graph.neighbourhood(java.util.List.of(id), 1, now.minus(eventRetention));
        return cf.persons().stream().filter(x -> x.id().equals(id)).findFirst()
                .map(p -> ProfileViews.person(p, cf, memberships.ofPerson(id), now));
    }

    @GET
    @Path("accounts/{id}")
    public Views.AccountProfile account(@PathParam("id") String id, @QueryParam("peopleAfter") String after,
                                        @QueryParam("peopleLimit") String limit) {
        // A page of people: a catch-all account holds thousands (docs/api.md).
        String from = io.cohort.api.QueryParams.text("peopleAfter", after);
        if (from != null && !UnifiedIds.isPersonId(from)) {
            throw ApiException.badRequest("query parameter 'peopleAfter' must be a person id returned as 'peopleNext' (p-…); got '"
                    + (from.length() > 60 ? from.substring(0, 60) + "..." : from) + "'");
        }
        int n = io.cohort.api.QueryParams.whole("peopleLimit", limit, 100, 1, 1_000);
        ProfileGraph.AccountView view = graph.accountView(id, clock.instant().minus(eventRetention), from, n)
                .orElseThrow(() -> ApiException.notFound("no account '" + id + "'"));
        Neighbourhood cf = view.facts();
        Account a = cf.accounts().stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("no account '" + id + "'"));
        return ProfileViews.account(a, cf, view.total(), view.next());
    }
}
