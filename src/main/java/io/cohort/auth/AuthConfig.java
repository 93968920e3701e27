package io.cohort.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import java.util.ArrayList;
import java.util.List;

/** Config key {@code auth}. Every /v1 endpoint requires a bearer token with a suitable role. */
public class AuthConfig {
    /**
     * The token the documentation uses for trying Cohort out on a laptop. Everyone who read the
     * docs knows it, so the service warns loudly at start while it is configured.
     */
    public static final String DEVELOPMENT_TOKEN = "cohort-dev-token";

    @Valid @JsonProperty private List<ApiToken> tokens = new ArrayList<>();

    public List<ApiToken> tokens() { return tokens; }

    @AssertTrue(message = "auth.tokens: roles must be among ingest, analyst, reader, operator")
    public boolean isRolesKnown() {
        return tokens.stream().allMatch(t -> t.roles() == null || Role.ALL.containsAll(t.roles()));
    }

    /**
     * With non-strict substitution an unset ${VAR} stays in the text as is, which would make the
     * placeholder itself, printed in the docs, a valid token.
     */
    @AssertTrue(message = "auth.tokens: a token still reads ${...}: the environment variable it names is not set")
    public boolean isTokensSubstituted() {
        return tokens.stream().allMatch(t -> t.token() == null || !t.token().contains("${"));
    }

    /** What the operator must hear about at start, though the service can run. */
    public List<String> startupWarnings() {
        List<String> out = new ArrayList<>();
        for (ApiToken t : tokens) {
            if (DEVELOPMENT_TOKEN.equals(t.token())) {
                out.add("auth token '" + t.name() + "' is the documented development token '" + DEVELOPMENT_TOKEN
                        + "': anyone who read the docs can call the API with roles " + new java.util.TreeSet<>(t.roles())
                        + ". Set a secret one (token: ${COHORT_TOKEN}) before this service is reachable by others");
            }
        }
        if (tokens.isEmpty()) out.add("auth.tokens is empty: every /v1 request will be refused with 401");
        return out;
    }

    @AssertTrue(message = "auth.tokens: two tokens have the same value")
    public boolean isTokensUnique() {
        return tokens.stream().map(ApiToken::token).distinct().count() == tokens.size();
    }
}
