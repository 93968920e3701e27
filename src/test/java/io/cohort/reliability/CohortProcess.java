package io.cohort.reliability;

import io.cohort.it.CohortApp;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The service as a separate OS process, so that it can really be killed (SIGKILL: no shutdown
 * hook, no flush). Runs the shaded jar when -Dcohort.jar names one built from the code under test
 * (`mvn verify` builds it before the tests and names it), else the main class on this test JVM's
 * class path ({@link ChildJvm#service()}).
 *
 * <p>Its own H2 file starts as a copy of a database this test JVM migrated once
 * ({@link io.cohort.store.MigratedTemplates}; the process still runs its migration step and finds it
 * up to date) unless {@link #onAFreshDatabase()}; a {@link #configured} database is the caller's.
 */
public final class CohortProcess implements AutoCloseable {
    public final Path dir;
    public final Path rules;
    public final String dbUrl;
    private final Path config;
    /** The H2 file this class placed the database at (its path without .mv.db), or null. */
    private Path h2File;
    /** Picked free at construction and kept across restarts, unless a start finds one taken ({@link #start}). */
    private int port;
    private int adminPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private int starts;
    private final List<String> jvmFlags = new ArrayList<>();
    /** What follows the JVM flags (class path and main class, or -jar): {@link ChildJvm#service()}'s unless set (its own training start). */
    private List<String> launch;

    public CohortProcess(Path dir) throws IOException {
        this(dir, "{crm-1: {type: generic}, marketo-1: {type: generic}, mdm: {type: generic}}");
    }

    /** With these {@code sources:} (a YAML flow map), e.g. sources Cohort pulls from fakes in this JVM. */
    public CohortProcess(Path dir, String sources) throws IOException {
        this(dir, "jdbc:h2:file:" + dir.resolve("db/cohort").toAbsolutePath() + ";MODE=PostgreSQL", null, sources);
        this.h2File = dir.resolve("db/cohort");
    }

    /** Starts the first time on no database at all, as a new installation does: the process creates and migrates it. */
    public CohortProcess onAFreshDatabase() {
        h2File = null;
        return this;
    }

    /**
     * With a configuration of the caller's: {@code body} is config.yml after the server and
     * logging blocks (database, sources, engine, cluster…); the rules are copied to {@link #rules}.
     */
    public static CohortProcess configured(Path dir, String dbUrl, String body) throws IOException {
        return new CohortProcess(dir, dbUrl, body, null);
    }

    private CohortProcess(Path dir, String dbUrl, String body, String sources) throws IOException {
        this.dir = dir;
        this.rules = dir.resolve("rules");
        this.dbUrl = dbUrl;
        if (!Files.exists(rules)) CohortApp.copyRules(Path.of("rules"), rules);
        this.port = freePort();
        this.adminPort = freePort();
        this.config = dir.resolve("config.yml");
        String head = "server:\n" + connectors(port, adminPort) + """
                  requestLog: {appenders: []}
                logging:
                  level: WARN
                  loggers: {io.cohort: INFO}
                """;
        Files.writeString(config, head + (body != null ? body : """
                database: {driverClass: org.h2.Driver, url: "%s", user: sa, password: ""}
                sources: %s
                engine: {rulesDirectory: "%s", shards: 2, watchRules: false, snapshotFile: "%s"}
                auth:
                  tokens: [{name: all, token: %s, roles: [ingest, analyst, reader, operator]}]
                """.formatted(dbUrl, sources, rules.toAbsolutePath(), dir.resolve("graph.snapshot").toAbsolutePath(), CohortApp.TOKEN)));
    }

    /** JVM flags for the next starts (e.g. another garbage collector). */
    public CohortProcess withJvmFlags(String... flags) {
        jvmFlags.addAll(List.of(flags));
        return this;
    }

    /** Launches with these flags (the class path and main class, or -jar and the jar) instead of {@link ChildJvm#service()}'s. */
    CohortProcess launchWith(List<String> launchFlags) {
        launch = List.copyOf(launchFlags);
        return this;
    }

    /**
     * Starts the process and waits until it serves (it evaluates everything stored before it
     * listens). Its ports were free when picked, but a restart comes later: meanwhile an outgoing
     * connection of any process may have been given one of them (they are in the kernel's
     * ephemeral range), and the start fails to bind. Then it moves to ports free now and starts
     * again (a restart in ClusterRoundTripIT failed so in a full run).
     */
    public CohortProcess start() throws Exception {
        if (h2File != null) io.cohort.store.MigratedTemplates.h2(h2File); // unless there is a database already
        for (int attempt = 1; ; attempt++) {
            Path log = launch();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    // A short wait: a port taken by another process's listener takes the request and never answers it.
                    if (exchange(request("GET", "/v1/sources", Duration.ofSeconds(2))).status() == 200) return this;
                } catch (IllegalStateException notYet) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            String tail = tail(log);
            if (process.isAlive()) throw new IllegalStateException("service did not start in 120 s:\n" + tail);
            if (!tail.contains("Failed to bind") || attempt == 3) throw new IllegalStateException("service exited at start:\n" + tail);
            moveToFreePorts();
        }
    }

    private Path launch() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmFlags);
        cmd.addAll(launch != null ? launch : ChildJvm.service());
        cmd.addAll(List.of("server", config.toString()));
        Path log = dir.resolve("process-" + (++starts) + ".log");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return log;
    }

    /** The server block's two connectors, as the configuration holds them. */
    private static String connectors(int port, int adminPort) {
        return """
                  applicationConnectors: [{type: http, port: %d}]
                  adminConnectors: [{type: http, port: %d}]
                """.formatted(port, adminPort);
    }

    /** Rewrites the configuration's two connectors onto ports free now (the rest of it as it is, a test's edits included). */
    private void moveToFreePorts() throws IOException {
        int newPort = freePort();
        int newAdmin = freePort();
        String yaml = Files.readString(config);
        String now = connectors(port, adminPort);
        if (!yaml.contains(now)) throw new IllegalStateException("the ports are taken, and " + config + " no longer holds its connectors:\n" + now);
        Files.writeString(config, yaml.replace(now, connectors(newPort, newAdmin)));
        port = newPort;
        adminPort = newAdmin;
    }

    /** Waits until start-up is done (the graph loaded, memberships current): the graph's endpoints stop answering 503. */
    public CohortProcess awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (get("/v1/profiles?email=nobody%40example.invalid").status() != 503) return this;
            Thread.sleep(200);
        }
        throw new IllegalStateException("not ready in " + timeout + ":\n" + tail(log()));
    }

    /** Every current member (profile id) of {@code segment}, all pages. */
    public java.util.Set<String> members(String segment) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        String after = "";
        while (true) {
            var r = get("/v1/segments/" + segment + "/members?limit=1000&after=" + after);
            if (r.status() != 200) throw new IllegalStateException("members of " + segment + ": " + r);
            var body = r.json();
            body.get("members").forEach(m -> out.add(m.get("profileId").asText()));
            if (body.get("next").isNull()) return out;
            after = body.get("next").asText();
        }
    }

    /** The log of the current (or last) run of the process. */
    public Path log() { return dir.resolve("process-" + starts + ".log"); }

    /** SIGKILL: the process gets no chance to flush, commit or say goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: a clean stop (managed objects stopped, database closed). */
    public void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) kill();
        process = null;
    }

    @Override public void close() throws InterruptedException {
        if (process != null && process.isAlive()) kill();
    }

    public CohortApp.Response get(String path) { return send("GET", path, null, null); }

    /** The application port (for requests whose headers a test reads). */
    public int port() { return port; }

    /** POST to the admin port (tasks), e.g. "/tasks/reload-rules"; the body of the answer as text. */
    public CohortApp.Response adminPost(String path) {
        return exchange(HttpRequest.newBuilder(URI.create("http://localhost:" + adminPort + path)).timeout(Duration.ofSeconds(120))
                .header(CohortApp.ADMIN_HEADER, "1").POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** GET on the admin port, e.g. "/metrics". */
    public CohortApp.Response adminGet(String path) {
        return exchange(HttpRequest.newBuilder(URI.create("http://localhost:" + adminPort + path)).timeout(Duration.ofSeconds(30))
                .header(CohortApp.ADMIN_HEADER, "1").GET());
    }

    public boolean alive() { return process != null && process.isAlive(); }

    public CohortApp.Response post(String path, String body) { return send("POST", path, "application/json", body); }

    /** @throws IllegalStateException when there is no answer (refused, reset, timed out) */
    public CohortApp.Response send(String method, String path, String contentType, String body) {
        HttpRequest.Builder b = request(method, path, Duration.ofSeconds(60));
        if (contentType != null) b.header("Content-Type", contentType);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return exchange(b);
    }

    private HttpRequest.Builder request(String method, String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(timeout)
                .header("Authorization", "Bearer " + CohortApp.TOKEN).method(method, HttpRequest.BodyPublishers.noBody());
    }

    private CohortApp.Response exchange(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new CohortApp.Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException("no answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A port nothing listens on now (for a server a test starts). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
