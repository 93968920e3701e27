package io.cohort.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import io.cohort.destination.file.FileDestinationFactory;
import io.cohort.destination.linkedin.LinkedInDestinationFactory;
import io.cohort.destination.marketo.MarketoDestinationFactory;
import io.cohort.destination.webhook.WebhookDestinationFactory;
import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade: config as Dropwizard parses it, start-up validation, status, health, metrics, replay. */
class DestinationsTest {
    /** The keys the application's configuration class will carry. */
    public static class Config {
        @Valid @NotNull public Map<String, DestinationFactory> destinations = Map.of();
        @Valid @NotNull public List<ActivationConfig> activations = List.of();
        @Valid @NotNull public DispatcherConfig dispatcher = new DispatcherConfig();
    }

    static final YamlConfigurationFactory<Config> FACTORY =
            new YamlConfigurationFactory<>(Config.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
    final OutboxFixture db = new OutboxFixture();
    final MetricRegistry metrics = new MetricRegistry();
    @TempDir Path dir;

    DestinationContext context() {
        return Changes.context(metrics);
    }

    static Config parse(String yaml) throws Exception {
        return FACTORY.build(path -> new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "inline.yml");
    }

    @Test
    void parsesTheDocumentedConfigWithPolymorphicFactoriesAndEnvSubstitution() throws Exception {
        Config c = FACTORY.build(new SubstitutingSourceProvider(new ResourceConfigurationSourceProvider(),
                new EnvironmentVariableSubstitutor(false)), "destination/config.yml");

        assertThat(c.destinations.get("marketo-1")).isInstanceOfSatisfying(MarketoDestinationFactory.class, m -> {
            assertThat(m.getClientSecret()).isEqualTo(System.getenv().getOrDefault("MARKETO_CLIENT_SECRET", "test-client-secret"));
            assertThat(m.getSource()).isEqualTo("marketo-1");
            assertThat(m.getBatchSize()).isEqualTo(300);
        });
        assertThat(c.destinations.get("linkedin")).isInstanceOfSatisfying(LinkedInDestinationFactory.class,
                l -> assertThat(l.getBaseUrl()).isEqualTo("https://api.linkedin.com/rest"));
        assertThat(c.destinations.get("webhook")).isInstanceOf(WebhookDestinationFactory.class);
        assertThat(c.destinations.get("files")).isInstanceOfSatisfying(FileDestinationFactory.class, f -> assertThat(f.getFormats())
                .containsExactly(FileDestinationFactory.Format.CSV, FileDestinationFactory.Format.JSONL));
        assertThat(c.dispatcher.getBackoffMax().toSeconds()).isEqualTo(300);

        Destinations d = new Destinations(c.destinations, c.activations, c.dispatcher, db.jdbi, context());
        assertThat(d.activations()).extracting(Activation::id).containsExactly("hv-marketo", "hv-linkedin", "hv-webhook", "hv-files");
        assertThat(d.activations().get(0).param("listId")).isEqualTo("1234");
        assertThat(d.healthChecks()).containsOnlyKeys("destination-marketo-1", "destination-linkedin",
                "destination-webhook", "destination-files");
        d.stop();
    }

    @Test
    void badFactoryConfigFailsValidationNamingTheField() {
        assertThatThrownBy(() -> parse("""
                destinations:
                  m: {type: marketo, baseUrl: "https://x.mktorest.com", clientId: a, source: marketo-1}
                  w: {type: webhook, url: "ftp://nope", secret: s}
                """)).isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("clientSecret").hasMessageContaining("url must be an absolute http(s) URL");
        assertThatThrownBy(() -> parse("destinations:\n  x: {type: carrier-pigeon}\n"))
                .hasMessageContaining("carrier-pigeon");
    }

    @Test
    void invalidActivationsFailConstructionNamingTheActivation() throws Exception {
        Config c = parse("""
                destinations:
                  files: {type: file, directory: /tmp/x}
                  m: {type: marketo, baseUrl: "https://x.mktorest.com", clientId: a, clientSecret: b, source: marketo-1}
                activations:
                  - {id: a1, segment: s, destination: nope}
                  - {id: a2, segment: s, destination: m, params: {listId: abc}}
                  - {id: a3, segment: s, destination: files}
                  - {id: a3, segment: s, destination: files}
                """);
        assertThatThrownBy(() -> new Destinations(c.destinations, c.activations, c.dispatcher, db.jdbi, context()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("activation 'a1': unknown destination 'nope' (configured: files, m)")
                .hasMessageContaining("activation 'a2' (destination 'm'): param 'listId' must be a positive number")
                .hasMessageContaining("activation 'a3': duplicate id");
    }

    @Test
    void reportsStatusHealthAndMetricsAndReplaysOnDemand() throws Exception {
        FileDestinationFactory files = new FileDestinationFactory();
        files.setDirectory(dir.toString());
        DispatcherConfig fast = Changes.fastDispatcher();
        Destinations d = new Destinations(Map.of("files", files),
                List.of(new ActivationConfig("hv-files", "high-value-new-product", "files", Map.of())), fast, db.jdbi, context());
        d.start();
        try {
            db.add("hv-files", "p1", "p1@acme.com", Map.of());
            db.add("hv-files", "p2", "p2@townsend.com", Map.of());
            d.wakeUp("hv-files");
            OutboxFixture.await("delivered", Duration.ofSeconds(10), () -> db.pending("hv-files") == 0);
            OutboxFixture.await("start-up check recorded", Duration.ofSeconds(10), () -> d.status().get(0).health() != null);

            DestinationStatus s = d.status().get(0);
            assertThat(s.id()).isEqualTo("files");
            assertThat(s.health().ok()).isTrue();
            ActivationStatus a = s.activations().get(0);
            assertThat(a.pending()).isZero();
            assertThat(a.failed()).isFalse();
            assertThat(a.lastSuccessAt()).isNotNull();
            assertThat(a.lastError()).isNull();
            HealthCheck.Result health = d.healthChecks().get("destination-files").execute();
            assertThat(health.isHealthy()).isTrue();
            assertThat(metrics.meter("cohort.activation.hv-files.delivered").getCount()).isEqualTo(2);
            assertThat(metrics.timer("cohort.activation.hv-files.latency").getCount()).isEqualTo(2);
            assertThat(metrics.getGauges()).containsKey("cohort.activation.hv-files.pending");

            Files.delete(dir.resolve("hv-files.csv"));
            assertThat(d.replay("hv-files")).isEqualTo(2);
            OutboxFixture.await("replayed", Duration.ofSeconds(10), () -> Files.exists(dir.resolve("hv-files.csv")) && db.pending("hv-files") == 0);
            assertThat(Files.readAllLines(dir.resolve("hv-files.csv"))).hasSize(3);
            assertThat(metrics.meter("cohort.activation.hv-files.delivered").getCount()).isEqualTo(4);
            assertThatThrownBy(() -> d.replay("nope")).isInstanceOf(NoSuchElementException.class);
        } finally {
            d.stop();
        }
    }
}
