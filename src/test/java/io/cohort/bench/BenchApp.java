package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.CohortApplication;
import io.cohort.CohortConfiguration;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
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

/** The real service in this JVM (random ports, H2 file database in {@code dir}), driven over HTTP. */
final class BenchApp {
    static final String TOKEN = "bench-token-all-roles";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path rules;
    private final String dbUrl;
    private final Path log;
    private DropwizardTestSupport<CohortConfiguration> support;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    BenchApp(Path dir, Path log) throws IOException {
        this.dir = dir;
        this.rules = dir.resolve("rules");
        this.log = log;
        this.dbUrl = "jdbc:h2:file:" + dir.resolve("db/cohort").toAbsolutePath() + ";MODE=PostgreSQL";
        if (!java.nio.file.Files.exists(rules)) io.cohort.it.CohortApp.copyRules(Path.of("rules"), rules);
    }

    BenchApp start() throws Exception {
        support = new DropwizardTestSupport<>(CohortApplication.class, ResourceHelpers.resourceFilePath("bench/bench-config.yml"),
                ConfigOverride.config("database.url", dbUrl),
                ConfigOverride.config("engine.rulesDirectory", rules.toString()),
                ConfigOverride.config("logging.appenders[0].currentLogFilename", log.toAbsolutePath().toString()));
        support.before();
        return this;
    }

    void stop() {
        if (support != null) support.after();
        support = null;
    }

    CohortApplication.Services services() { return support.<CohortApplication>getApplication().services(); }

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
                + "/tasks/" + nameAndQuery)).timeout(Duration.ofMinutes(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
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

    /** Membership transitions after {@code cursor}: {seq, profileId, change}. */
    List<JsonNode> changes(String segment, long cursor) throws IOException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        get("/v1/segments/" + segment + "/changes?limit=1000&after=" + cursor).get("changes").forEach(out::add);
        return out;
    }

    void settle(Duration timeout) throws Exception { services().evaluator().awaitIdle(timeout); }
}
