package io.cohort.auth;

import java.security.Principal;
import java.util.Set;

/** An authenticated caller: the token's name and roles. */
public record Caller(String name, Set<String> roles) implements Principal {
    @Override public String getName() { return name; }
}
