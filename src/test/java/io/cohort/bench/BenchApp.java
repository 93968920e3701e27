package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.CohortApplication;
import io.cohort.CohortConfiguration;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The real service in this JVM (random ports, its database as {@link BenchStore} says), driven over HTTP. */
final class BenchApp {
    static final String TOKEN = "bench-token-all-roles";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path rules;
    private final List<ConfigOverride> database;
    private final Path log;
    private DropwizardTestSupport<CohortConfiguration> support;
    private String extraYaml;
    private final List<ConfigOverride> extraOverrides = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    BenchApp(Path dir, Path log) throws IOException {
        this.dir = dir;
        this.rules = dir.resolve("rules");
        this.log = log;
        this.database = BenchStore.overrides(dir);
        if (!java.nio.file.Files.exists(rules)) io.cohort.it.CohortApp.copyRules(Path.of("rules"), rules);
    }

    /**
     * From the next {@link #start()} on: these top-level YAML keys (e.g. destinations, activations)
     * appended to the bench configuration, and these overrides.
     */
    /** The graph snapshot a clean stop writes and the next start reads (docs/operations.md). */
    Path snapshot() { return dir.resolve("graph.snapshot").toAbsolutePath(); }

    BenchApp withExtraConfig(String yaml, ConfigOverride... overrides) {
        this.extraYaml = yaml;
        this.extraOverrides.clear();
        this.extraOverrides.addAll(List.of(overrides));
        return this;
    }

    /** Starts and waits until ready (profiles loaded, memberships current). */
    BenchApp start() throws Exception {
        startNoWait();
        awaitReady();
        return this;
    }

    /** Waits for the start-up to finish (the ports open before). */
    void awaitReady() throws Exception {
        services().startup().awaitReady(Duration.ofHours(3));
    }

    /** Starts the service; returns when its ports are open (profiles may still be loading). */
    BenchApp startNoWait() throws Exception {
        // Written out rather than ResourceHelpers' path: from a class path of jars (an AOT cache takes
        // no directories, docs/operations.md) the resource is no file.
        String yaml;
        try (var in = BenchApp.class.getResourceAsStream("/bench/bench-config.yml")) {
            yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Path extended = dir.resolve("bench-config-extended.yml");
        java.nio.file.Files.writeString(extended, extraYaml == null ? yaml : yaml + "\n" + extraYaml);
        String config = extended.toString();
        List<ConfigOverride> o = new ArrayList<>(database);
        o.addAll(List.of(
                ConfigOverride.config("engine.rulesDirectory", rules.toString()),
                ConfigOverride.config("engine.snapshotFile", snapshot().toString()),
                ConfigOverride.config("logging.appenders[0].currentLogFilename", log.toAbsolutePath().toString())));
        o.addAll(extraOverrides);
        support = new DropwizardTestSupport<>(CohortApplication.class, config, o.toArray(ConfigOverride[]::new));
        support.before();
        return this;
    }

    void stop() {
        if (support != null) support.after();
        support = null;
        io.cohort.it.CohortApp.releaseStopped();
    }

    io.cohort.Wiring.Stages services() { return support.<CohortApplication>getApplication().services(); }

    String base() { return "http://localhost:" + support.getLocalPort(); }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    /** POSTs an NDJSON batch; returns the batch sequence number of the accepted batch. */
    long postNdjson(String source, byte[] body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/v1/sources/" + source + "/records"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/x-ndjson")
                .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("POST " + source + ": " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body()).get("batch").asLong();
    }

    String task(String nameAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + support.getAdminPort()
                + "/tasks/" + nameAndQuery)).timeout(Duration.ofMinutes(30)).header("X-Cohort-Admin", "1")
                .POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("task " + nameAndQuery + ": " + r.statusCode() + " " + r.body());
        return r.body();
    }

    /** The realized members' emails, read page by page through the API. */
    Set<String> members(String segment) throws IOException, InterruptedException {
        Set<String> out = new TreeSet<>();
        String after = "";
        while (true) {
            JsonNode page = get("/v1/segments/" + segment + "/members?limit=1000" + (after.isEmpty() ? "" : "&after=" + after));
            page.get("members").forEach(m -> out.add(m.get("email").asText()));
            if (page.get("next").isNull()) return out;
            after = page.get("next").asText();
        }
    }

    /** The ids of the segments the running rules define. */
    Set<String> segments() throws IOException, InterruptedException {
        Set<String> out = new TreeSet<>();
        get("/v1/segments").get("segments").forEach(s -> out.add(s.get("id").asText()));
        return out;
    }

    /** Every segment's realized members' emails. */
    java.util.Map<String, Set<String>> allMembers() throws IOException, InterruptedException {
        java.util.Map<String, Set<String>> out = new java.util.TreeMap<>();
        for (String s : segments()) out.put(s, members(s));
        return out;
    }

    /** Membership transitions after {@code cursor}: {seq, profileId, change}. */
    List<JsonNode> changes(String segment, long cursor) throws IOException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        get("/v1/segments/" + segment + "/changes?limit=1000&after=" + cursor).get("changes").forEach(out::add);
        return out;
    }

    void settle(Duration timeout) throws Exception { services().evaluator().awaitIdle(timeout); }
}
