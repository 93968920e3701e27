package io.cohort.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import java.util.ArrayList;
import java.util.List;

/** Config key {@code auth}. Every /v1 endpoint requires a bearer token with a suitable role. */
public class AuthConfig {
    @Valid @JsonProperty private List<ApiToken> tokens = new ArrayList<>();

    public List<ApiToken> tokens() { return tokens; }

    @AssertTrue(message = "auth.tokens: roles must be among ingest, analyst, reader, operator")
    public boolean isRolesKnown() {
        return tokens.stream().allMatch(t -> t.roles() == null || Role.ALL.containsAll(t.roles()));
    }

    @AssertTrue(message = "auth.tokens: two tokens have the same value")
    public boolean isTokensUnique() {
        return tokens.stream().map(ApiToken::token).distinct().count() == tokens.size();
    }
}
