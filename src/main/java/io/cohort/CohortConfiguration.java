package io.cohort;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.auth.AuthConfig;
import io.cohort.engine.EngineConfig;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.SourceFactory;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.util.LinkedHashMap;
import java.util.Map;

/** The root of config.yml. Every key is described in docs/operations.md. */
public class CohortConfiguration extends Configuration {
    /** The database (H2 file by default; PostgreSQL supported). */
    @Valid @NotNull @JsonProperty private DataSourceFactory database = new DataSourceFactory();
    /** Apply schema migrations at start (else run `db migrate` yourself). */
    @JsonProperty private boolean migrateOnStart = true;
    /** Source id → source type and settings. */
    @Valid @NotNull @JsonProperty private Map<String, SourceFactory> sources = new LinkedHashMap<>();
    @Valid @NotNull @JsonProperty private EngineConfig engine = new EngineConfig();
    @Valid @NotNull @JsonProperty("ingest") private IngestLimits ingestLimits = new IngestLimits();
    @Valid @NotNull @JsonProperty private AuthConfig auth = new AuthConfig();

    public DataSourceFactory database() { return database; }
    public boolean migrateOnStart() { return migrateOnStart; }
    public Map<String, SourceFactory> sources() { return sources; }
    public EngineConfig engine() { return engine; }
    public IngestLimits ingestLimits() { return ingestLimits; }
    public AuthConfig auth() { return auth; }

    @AssertTrue(message = "sources: ids must be letters, digits, '.', '_' or '-' (no ':')")
    public boolean isSourceIdsValid() {
        return sources.keySet().stream().allMatch(id -> id.matches("[A-Za-z0-9._-]{1,100}"));
    }
}
