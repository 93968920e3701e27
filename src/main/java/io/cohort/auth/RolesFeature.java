package io.cohort.auth;

import io.cohort.api.error.ApiException;
import jakarta.annotation.Priority;
import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.lang.reflect.Method;
import java.util.List;
import java.util.TreeSet;

/**
 * Enforces {@code @RolesAllowed} like Jersey's RolesAllowedDynamicFeature, but answers 403 with a
 * JSON body that names the roles the endpoint needs and the roles the token has, so a caller with
 * the wrong token knows which one to use. Method annotations win over class annotations.
 */
public final class RolesFeature implements DynamicFeature {

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        Method m = resource.getResourceMethod();
        Class<?> c = resource.getResourceClass();
        if (m.isAnnotationPresent(DenyAll.class)) {
            context.register(new Check(null));
        } else if (m.isAnnotationPresent(RolesAllowed.class)) {
            context.register(new Check(m.getAnnotation(RolesAllowed.class).value()));
        } else if (m.isAnnotationPresent(PermitAll.class)) {
            return;
        } else if (c.isAnnotationPresent(DenyAll.class)) {
            context.register(new Check(null));
        } else if (c.isAnnotationPresent(RolesAllowed.class)) {
            context.register(new Check(c.getAnnotation(RolesAllowed.class).value()));
        }
    }

    /** Runs after authentication (Priorities.AUTHENTICATION), so the principal is known here. */
    @Priority(Priorities.AUTHORIZATION)
    static final class Check implements ContainerRequestFilter {
        private final List<String> roles;

        Check(String[] roles) {
            this.roles = roles == null ? List.of() : List.of(roles);
        }

        @Override
        public void filter(ContainerRequestContext ctx) {
            var sc = ctx.getSecurityContext();
            if (sc.getUserPrincipal() != null) {
                for (String r : roles) {
                    if (sc.isUserInRole(r)) return;
                }
            }
            String needed = roles.isEmpty() ? "no role may call this endpoint"
                    : "this endpoint needs the role " + String.join(" or ", roles);
            String has = sc.getUserPrincipal() instanceof Caller caller
                    ? "; token '" + caller.name() + "' has " + new TreeSet<>(caller.roles()) : "";
            throw new ApiException(403, needed + has);
        }
    }
}
