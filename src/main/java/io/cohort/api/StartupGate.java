package io.cohort.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * While the service starts, answers 503 (with Retry-After and what start-up is doing) to the
 * requests that need the profile graph: profiles, accounts, explanations and previews. Stored
 * audiences, rules and ingest are served meanwhile.
 */
@Priority(Priorities.USER)
public final class StartupGate implements ContainerRequestFilter {
    private final BooleanSupplier ready;
    private final Supplier<String> status;

    public StartupGate(BooleanSupplier ready, Supplier<String> status) {
        this.ready = ready;
        this.status = status;
    }

    @Override public void filter(ContainerRequestContext req) {
        if (ready.getAsBoolean()) return;
        String path = req.getUriInfo().getPath();
        if (path.startsWith("v1/profiles") || path.startsWith("v1/accounts") || path.endsWith("/explain")
                || path.equals("v1/rules/preview")) {
            req.abortWith(ErrorMappers.retryLater(5, "the service is starting (" + status.get() + "); retry in a few seconds"));
        }
    }
}
