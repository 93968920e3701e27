package io.cohort;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.auth.AuthConfig;
import io.cohort.destination.ActivationConfig;
import io.cohort.destination.DestinationFactory;
import io.cohort.destination.DispatcherConfig;
import io.cohort.engine.EngineConfig;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.SourceFactory;
import io.cohort.vendor.HttpClientSettings;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
    /** Destination id → destination type and settings (see docs/destinations.md). */
    @Valid @NotNull @JsonProperty private Map<String, DestinationFactory> destinations = new LinkedHashMap<>();
    /** Segments bound to destinations. */
    @Valid @NotNull @JsonProperty private List<ActivationConfig> activations = new ArrayList<>();
    @Valid @NotNull @JsonProperty private DispatcherConfig dispatcher = new DispatcherConfig();
    /** The outbound HTTP client of destinations and source connectors (timeouts, pool). */
    @Valid @NotNull @JsonProperty private HttpClientSettings httpClient = new HttpClientSettings();
    /** single (default) or kafka: evaluation spread over a Kafka consumer group (docs/scale-out.md). */
    @Valid @NotNull @JsonProperty private io.cohort.cluster.ClusterConfig cluster = new io.cohort.cluster.ClusterConfig();

    public DataSourceFactory database() { return database; }
    public boolean migrateOnStart() { return migrateOnStart; }
    public Map<String, SourceFactory> sources() { return sources; }
    public EngineConfig engine() { return engine; }
    public IngestLimits ingestLimits() { return ingestLimits; }
    public AuthConfig auth() { return auth; }
    public Map<String, DestinationFactory> destinations() { return destinations; }
    public List<ActivationConfig> activations() { return activations; }
    public DispatcherConfig dispatcher() { return dispatcher; }
    public HttpClientSettings httpClient() { return httpClient; }
    public io.cohort.cluster.ClusterConfig cluster() { return cluster; }

    /**
     * Ingest refuses a reference to a source that is not configured (no record of it can ever be
     * stored, so it would join nothing): a Marketo instance's {@code crmSource} or an MDM's
     * {@code systems} naming one would have every synced record refused. Said at start instead.
     */
    @AssertTrue(message = "sources: a Marketo source's crmSource and the values of an MDM source's systems must be ids of "
            + "configured sources")
    public boolean isSourceReferencesValid() {
        for (SourceFactory f : sources.values()) {
            if (f instanceof io.cohort.ingest.marketo.MarketoSourceFactory m && m.getCrmSource() != null
                    && !sources.containsKey(m.getCrmSource())) {
                return false;
            }
            if (f instanceof io.cohort.ingest.mdm.MdmSourceFactory d && !sources.keySet().containsAll(d.getSystems().values())) {
                return false;
            }
        }
        return true;
    }

    @AssertTrue(message = "sources: ids must be letters, digits, '.', '_' or '-' (no ':')")
    public boolean isSourceIdsValid() {
        return sources.keySet().stream().allMatch(id -> id.matches("[A-Za-z0-9._-]{1,100}"));
    }
}
