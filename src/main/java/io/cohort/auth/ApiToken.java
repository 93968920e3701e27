package io.cohort.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import java.util.Set;

/**
 * One API token (config key {@code auth.tokens[]}). Put the secret in the environment:
 * {@code token: ${COHORT_INGEST_TOKEN}}.
 */
public class ApiToken {
    /** Who holds the token; appears in logs, never the token itself. */
    @NotBlank @JsonProperty private String name;
    @NotBlank @Size(min = 12, message = "must be at least 12 characters") @JsonProperty private String token;
    /** Any of ingest, analyst, reader, operator. */
    @NotEmpty @JsonProperty private Set<String> roles;

    public ApiToken() {}

    public ApiToken(String name, String token, Set<String> roles) {
        this.name = name;
        this.token = token;
        this.roles = roles;
    }

    public String name() { return name; }
    public String token() { return token; }
    public Set<String> roles() { return roles; }
}
