package io.cohort.api.resources;

import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import io.cohort.model.Account;
import io.cohort.model.Person;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * GET /v1/search?q=: finds where to start exploring. An email finds that person; anything else
 * finds unified accounts whose domain is it ("townsend.com", "@townsend.com",
 * "https://www.townsend.com/" are one domain) or whose name contains it.
 *
 * <p>A domain is an index lookup; a name fragment scans the account records (there is no
 * full-text index), so at most two searches run at once and a third is told to retry (429).
 */
@Path("/v1/search")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.ANALYST, Role.OPERATOR})
public class SearchResource {
    static final int MAX_HITS = 50;
    private final ProfileGraph graph;
    private final Semaphore scans = new Semaphore(2);

    public record PersonHit(String id, String email, String firstName, String lastName, String title) {}

    public record AccountHit(String id, String name, String domain, String industry, List<String> sources) {}

    /** @param truncated more accounts matched than the {@value #MAX_HITS} shown */
    public record Results(String query, List<PersonHit> people, List<AccountHit> accounts, boolean truncated) {}

    public SearchResource(ProfileGraph graph) {
        this.graph = graph;
    }

    @GET
    public Results search(@QueryParam("q") String q) {
        if (q == null || q.isBlank()) {
            throw ApiException.badRequest("query parameter 'q' is required: an email, an account domain or part of an account name");
        }
        String query = q.trim();
        if (query.length() > 320) throw ApiException.badRequest("q must be at most 320 characters");
        int at = query.indexOf('@');
        if (at > 0) return new Results(query, person(query), List.of(), false);
        if (!scans.tryAcquire()) throw ApiException.tooManyRequests("two account searches are running; try again in a moment", 5);
        try {
            return accounts(query);
        } finally {
            scans.release();
        }
    }

    private List<PersonHit> person(String email) {
        String id = UnifiedIds.personByEmail(UnifiedIds.normalizeEmail(email));
        return graph.person(id).map(u -> u.person())
                .map(p -> List.of(new PersonHit(p.id(), p.email(), p.firstName(), p.lastName(), p.title())))
                .orElse(List.of());
    }

    private Results accounts(String query) {
        var found = graph.findAccounts(query, query, MAX_HITS);
        List<AccountHit> hits = new ArrayList<>();
        found.accounts().stream().sorted(Comparator.comparing((Account a) -> String.valueOf(a.name())).thenComparing(Account::id))
                .forEach(a -> hits.add(new AccountHit(a.id(), a.name(), a.domain(), a.industry(), a.sources())));
        return new Results(query, List.of(), hits, found.total() > MAX_HITS);
    }
}
