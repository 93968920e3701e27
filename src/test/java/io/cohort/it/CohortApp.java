package io.cohort.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.CohortApplication;
import io.cohort.CohortConfiguration;
import io.dropwizard.testing.ConfigOverride;
import io.cohort.engine.CompiledRuleSets;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real application on random ports against a real H2 file database (or any JDBC URL), with
 * its own copy of the rules directory, driven over HTTP. Restartable on the same database.
 *
 * <p>Its own H2 file ({@link #CohortApp(Path, ConfigOverride...)}) starts as a copy of a database
 * migrated once per test JVM ({@link io.cohort.store.MigratedTemplates}); the application's
 * migration step still runs and finds it up to date. A database at a URL the test gives is the
 * test's own: the application migrates it as it finds it.
 */
public final class CohortApp implements AutoCloseable {
    public static final String TOKEN = "test-token-all-roles";
    /** Admin tasks refuse requests without it (ops.AdminRequestGuard): browsers cannot send it cross-origin. */
    public static final String ADMIN_HEADER = "X-Cohort-Admin";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The rule sets compiled by the applications of this test JVM, shared: most tests start the
     * shipped rules, and compiling them at every start was a fifth of the integration tests' CPU.
     * Each set is still compiled once per JVM, and every changed file afresh.
     */
    private static final CompiledRuleSets COMPILED = new CompiledRuleSets();

    public final Path dir;
    public final Path rules;
    private final String dbUrl;
    /** The H2 file this class placed the database at (its path without .mv.db), or null. */
    private final Path h2File;
    private final List<ConfigOverride> extra;
    private String configPath = ResourceHelpers.resourceFilePath("test-config.yml");
    private DropwizardTestSupport<CohortConfiguration> support;
    private final HttpClient http = HttpClient.newHttpClient();

    public CohortApp(Path dir, ConfigOverride... extra) throws IOException {
        this(dir, "jdbc:h2:file:" + dir.resolve("db/cohort").toAbsolutePath() + ";MODE=PostgreSQL", dir.resolve("db/cohort"), extra);
    }

    public CohortApp(Path dir, String dbUrl, ConfigOverride... extra) throws IOException {
        this(dir, dbUrl, null, extra);
    }

    private CohortApp(Path dir, String dbUrl, Path h2File, ConfigOverride... extra) throws IOException {
        this.dir = dir;
        this.rules = dir.resolve("rules");
        this.dbUrl = dbUrl;
        this.h2File = h2File;
        this.extra = List.of(extra);
        if (!Files.exists(rules)) copyRules(Path.of("rules"), rules);
    }

    /** Uses test-config.yml with {@code yaml} appended (top-level keys the base file lacks). */
    public CohortApp withExtraConfig(String yaml) throws IOException {
        Path cfg = dir.resolve("config.yml");
        Files.writeString(cfg, Files.readString(Path.of(configPath)) + "\n" + yaml);
        configPath = cfg.toString();
        return this;
    }

    /** Uses {@code yaml} as the whole configuration file (the database URL and rules directory are still overridden). */
    public CohortApp withConfig(String yaml) throws IOException {
        Path cfg = dir.resolve("config.yml");
        Files.createDirectories(dir);
        Files.writeString(cfg, yaml);
        configPath = cfg.toString();
        return this;
    }

    /** Uses test-config.yml as {@code edit} changes it (e.g. another logging block). */
    public CohortApp withConfig(java.util.function.UnaryOperator<String> edit) throws IOException {
        Path cfg = dir.resolve("config.yml");
        Files.writeString(cfg, edit.apply(Files.readString(Path.of(configPath))));
        configPath = cfg.toString();
        return this;
    }

    /** The text of test-config.yml, to derive a configuration from. */
    public static String testConfig() throws IOException {
        return Files.readString(Path.of(ResourceHelpers.resourceFilePath("test-config.yml")));
    }

    public static void copyRules(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.copy(p, to.resolve(p.getFileName()));
        }
    }

    public CohortApp start() throws Exception {
        List<ConfigOverride> o = new ArrayList<>(List.of(
                ConfigOverride.config("database.url", dbUrl),
                ConfigOverride.config("engine.rulesDirectory", rules.toString()),
                ConfigOverride.config("engine.snapshotFile", dir.resolve("graph.snapshot").toString())));
        o.addAll(extra);
        if (h2File != null) io.cohort.store.MigratedTemplates.h2(h2File); // unless there is a database already
        support = new DropwizardTestSupport<>(CohortApplication.class, configPath, o.toArray(ConfigOverride[]::new)) {
            @Override public io.dropwizard.core.Application<CohortConfiguration> newApplication() {
                return new CohortApplication(COMPILED);
            }
        };
        support.before();
        // The ports open before the graph is loaded: tests start from a ready service.
        app().services().startup().awaitReady(Duration.ofMinutes(5));
        return this;
    }

    public void stop() {
        if (support != null) support.after();
        support = null;
        releaseStopped();
    }

    /**
     * Lets a stopped application be collected, so that the next one started in this JVM does not
     * run beside it (the benchmark's phases ran with a stopped 1M service, 3.8 GB, still live).
     * Dropwizard makes the first application's metric and health-check registries the JVM's
     * shared defaults and leaves its metrics appender on the root logger; our gauges and health
     * checks reach the engine. Found with a heap dump of a stopped service (docs/benchmarks.md).
     */
    public static void releaseStopped() {
        com.codahale.metrics.SharedMetricRegistries.clear();
        com.codahale.metrics.health.SharedHealthCheckRegistries.clear();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        List<ch.qos.logback.core.Appender<ch.qos.logback.classic.spi.ILoggingEvent>> metered = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(a -> {
            if (a instanceof com.codahale.metrics.logback.InstrumentedAppender) metered.add(a);
        });
        for (var a : metered) {
            root.detachAppender(a);
            a.stop();
        }
        // The appender array is copied on write and re-read at the next event: pass one (TRACE,
        // below every appender's threshold) so that the detached appender is let go at once.
        root.callAppenders(new ch.qos.logback.classic.spi.LoggingEvent(CohortApp.class.getName(), root,
                ch.qos.logback.classic.Level.TRACE, "stopped application released", null, null));
    }

    @Override public void close() { stop(); }

    public CohortApplication app() { return support.getApplication(); }

    public int port() { return support.getLocalPort(); }

    /** The database URL the service was given (before it adds its durability settings). */
    public String dbUrl() { return dbUrl; }

    /** The running app's environment (its Jersey resources, metrics, health checks). */
    public io.dropwizard.core.setup.Environment environment() { return support.getEnvironment(); }

    public int adminPort() { return support.getAdminPort(); }

    /** Waits until everything accepted so far is evaluated. */
    public void settle() throws Exception {
        app().services().evaluator().awaitIdle(Duration.ofSeconds(60));
    }

    public Response post(String path, String contentType, String body) { return send("POST", path, contentType, body, TOKEN); }

    /** Posts canonical records (JSON objects) to a source, asserts they were accepted and waits until they are evaluated. */
    public void ingest(String source, String... records) throws Exception {
        Response r = post("/v1/sources/" + source + "/records", "application/json", "{\"records\":[" + String.join(",", records) + "]}");
        org.assertj.core.api.Assertions.assertThat(r.status()).as(r.toString()).isEqualTo(200);
        settle();
    }

    public Response get(String path) { return send("GET", path, null, null, TOKEN); }

    public Response postFile(String path, Path file) throws IOException {
        return post(path, "application/json", Files.readString(file));
    }

    public Response send(String method, String path, String contentType, String body, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port() + path))
                    .timeout(Duration.ofSeconds(60));
            if (token != null) b.header("Authorization", "Bearer " + token);
            if (contentType != null) b.header("Content-Type", contentType);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** POST to an admin task, e.g. task("clock?set=2026-11-25T00:00:00Z"). */
    public Response task(String nameAndQuery) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + adminPort() + "/tasks/" + nameAndQuery))
                    .timeout(Duration.ofSeconds(120)).header(ADMIN_HEADER, "1").POST(HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public Response admin(String path) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + adminPort() + path)).GET().build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Response(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        @Override public String toString() { return status + " " + body; }
    }
}
