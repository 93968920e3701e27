package io.cohort.auth;

import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.Authorizer;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/** Looks a bearer token up among the configured ones (constant-time comparison). */
public final class TokenAuthenticator implements Authenticator<String, Caller>, Authorizer<Caller> {
    private final List<ApiToken> tokens;

    public TokenAuthenticator(List<ApiToken> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    @Override
    public Optional<Caller> authenticate(String presented) {
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        Caller found = null;
        for (ApiToken t : tokens) {
            // Compare against every token so timing does not reveal which one nearly matched.
            if (MessageDigest.isEqual(p, t.token().getBytes(StandardCharsets.UTF_8))) {
                found = new Caller(t.name(), t.roles());
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public boolean authorize(Caller caller, String role, ContainerRequestContext ctx) {
        return caller.roles().contains(role);
    }
}
