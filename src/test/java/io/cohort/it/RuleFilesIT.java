package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuleWatcher;
import java.io.RandomAccessFile;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the watched rules directory holds, through the running service: a file named as people
 * name files ("Q3 (draft) é.drl") runs, and validate and preview take its name; a file whose name
 * the allow-list refuses, or that cannot be read, is a failed reload naming it, logged once, while
 * the running rules serve. Found by the hostile-input campaign: "-x.drl" and "my segment.drl" ran
 * while validate refused their names with 400, and an unreadable file made the watcher log an
 * ERROR every interval without saying which file.
 */
class RuleFilesIT {
    static final String HEADER = RulesReadinessIT.HEADER;
    static final String Q3 = "Q3 (draft) é.drl";
    @TempDir Path tmp;

    /** The seed's rule as another segment: at Bodea, p2 is its one member. */
    static String seedAs(String id) throws java.io.IOException {
        return Files.readString(Path.of("rules/high-value-new-product.drl"))
                .replace("rule \"High-value account, viewed the new product\"", "rule \"" + id + "\"")
                .replace("\"high-value-new-product\"", "\"" + id + "\"");
    }

    /** {@code s} as a URL path segment or query value (a space as %20 in both). */
    static String encode(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    static String path(String file) { return Arrays.stream(file.split("/")).map(RuleFilesIT::encode).collect(Collectors.joining("/")); }

    static CohortApp bodea(Path dir) throws Exception {
        CohortApp app = new CohortApp(dir).start();
        app.task("clock?set=2026-11-25T00:00:00Z");
        BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
        assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
        return app;
    }

    @Test
    void aFileNamedAsPeopleNameFilesRunsAndIsValidatedAndPreviewedUnderItsName() throws Exception {
        try (CohortApp app = bodea(tmp)) {
            Files.writeString(app.rules.resolve(Q3), seedAs("q3-draft"));
            RulesReadinessIT.await(() -> app.get("/v1/rules").json().get("segments").toString().contains("q3-draft"));
            app.settle();
            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("lastReloadFailed").asBoolean()).as(rules.toString()).isFalse();
            assertThat(rules.get("files").toString()).contains(Q3);
            assertThat(BodeaScenarioIT.members(app, "q3-draft")).containsExactly("p2@townsend.com");
            assertThat(app.get("/v1/segments/q3-draft").json().get("ruleFiles").toString()).isEqualTo("[\"" + Q3 + "\"]");
            CohortApp.Response page = app.get("/v1/rules/files/" + path(Q3));
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            assertThat(page.json().get("source").asText()).isEqualTo(seedAs("q3-draft"));

            // Validate and preview take the name of the file that runs (they answered 400 for it).
            var v = app.post("/v1/rules/validate?file=" + encode(Q3), "text/plain", seedAs("q3-draft"));
            assertThat(v.status()).as(v.toString()).isEqualTo(200);
            assertThat(v.json().get("file").asText()).isEqualTo(Q3);
            assertThat(v.json().get("segments").get(0).get("id").asText()).isEqualTo("q3-draft");
            String body = new ObjectMapper().createObjectNode().put("file", Q3).put("drl", seedAs("q3-draft")).toString();
            var p = app.post("/v1/rules/preview", "application/json", body);
            assertThat(p.status()).as(p.toString()).isEqualTo(200);
            assertThat(p.json().get("segments").get(0).get("count").asInt()).isEqualTo(1);
            for (String name : List.of("-x.drl", "my segment.drl", "team/Übersicht [v2].drl")) {
                var r = app.post("/v1/rules/validate?file=" + encode(name), "text/plain", seedAs("other"));
                assertThat(r.status()).as(name + ": " + r).isEqualTo(200);
            }
        }
    }

    @Test
    void aFileWhoseNameIsRefusedIsAFailedReloadNamingItLoggedOnce() throws Exception {
        try (CohortApp app = bodea(tmp); Captured log = new Captured()) {
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            // A zero-width space after "vip": the name shows as "vip.drl" in every listing.
            Files.writeString(app.rules.resolve("vip\u200B.drl"), seedAs("vip"));
            RulesReadinessIT.await(() -> app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            Thread.sleep(1_000); // five more watch intervals with the file unchanged

            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("activeVersion").asText()).isEqualTo(version);
            assertThat(rules.get("files").toString()).contains("vip<U+200B>.drl");
            assertThat(rules.get("messages")).singleElement().satisfies(m -> {
                assertThat(m.get("level").asText()).isEqualTo("ERROR");
                assertThat(m.get("file").asText()).isEqualTo("vip<U+200B>.drl");
                assertThat(m.get("line").asInt()).isEqualTo(1);
                assertThat(m.get("column").asInt()).isEqualTo(1);
                assertThat(m.get("message").asText()).isEqualTo("this file's name is not allowed: the name has an invisible "
                        + "formatting character (U+200B) at character 4; rename the file");
            });
            assertThat(app.get("/v1/segments/vip").status()).isEqualTo(404);
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            // Validate refuses the same name for the same reason.
            var v = app.post("/v1/rules/validate?file=" + encode("vip\u200B.drl"), "text/plain", seedAs("vip"));
            assertThat(v.status()).as(v.toString()).isEqualTo(400);
            assertThat(v.json().get("message").asText()).contains("invisible formatting character (U+200B) at character 4")
                    .contains("'vip<U+200B>.drl'");
            log.assertOneWarning("vip<U+200B>.drl:1:1: error: this file's name is not allowed");

            Files.move(app.rules.resolve("vip\u200B.drl"), app.rules.resolve("vip.drl"));
            RulesReadinessIT.await(() -> !app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            app.settle();
            assertThat(BodeaScenarioIT.members(app, "vip")).containsExactly("p2@townsend.com");
        }
    }

    /**
     * Files no one can read, root included (the tests run as root, which reads a file of mode 000):
     * a broken link (links are never followed) and a file of 3 GB (sparse, so it takes no disk),
     * which made the read throw OutOfMemoryError and the watcher stop for good.
     */
    @Test
    void aFileThatCannotBeReadIsAFailedReloadNamingItLoggedOnce() throws Exception {
        try (CohortApp app = bodea(tmp); Captured log = new Captured()) {
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("huge.drl").toFile(), "rw")) {
                f.setLength(3L << 30);
            }
            Files.move(tmp.resolve("huge.drl"), app.rules.resolve("huge.drl"));
            RulesReadinessIT.await(() -> app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            Thread.sleep(1_000); // five more watch intervals with the file unchanged

            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("activeVersion").asText()).isEqualTo(version);
            assertThat(rules.get("messages")).singleElement().satisfies(m -> {
                assertThat(m.get("file").asText()).isEqualTo("huge.drl");
                assertThat(m.get("line").asInt()).isEqualTo(1);
                assertThat(m.get("message").asText()).startsWith("cannot read this file: it has 3221225472 bytes");
            });
            JsonNode check = app.admin("/healthcheck").json().get("rules");
            assertThat(check.get("healthy").asBoolean()).isTrue();
            assertThat(check.get("message").asText()).startsWith("WARNING").contains("huge.drl:1:1: error: cannot read this file");
            CohortApp.Response page = app.get("/v1/rules/files/huge.drl");
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            assertThat(page.json().get("source").asText()).isEmpty();
            assertThat(page.json().get("messages").get(0).get("message").asText()).startsWith("cannot read this file");
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            log.assertOneWarning("huge.drl:1:1: error: cannot read this file: it has 3221225472 bytes");

            // A change to what cannot be read is a new failed reload, told once more: the file replaced
            // (in one rename) by a link to where it was, which is gone.
            Files.move(Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("huge.drl")), app.rules.resolve("huge.drl"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            RulesReadinessIT.await(() -> app.get("/v1/rules").json().get("messages").toString().contains("symbolic link"));
            assertThat(app.get("/v1/rules").json().get("messages")).singleElement().satisfies(m -> assertThat(m.get("message")
                    .asText()).isEqualTo("cannot read this file: it is a symbolic link, and links are not followed; put the "
                    + "file itself here"));
            Files.delete(app.rules.resolve("huge.drl"));
            RulesReadinessIT.await(() -> !app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            assertThat(log.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).hasSize(2)
                    .noneMatch(e -> e.getLevel() == Level.ERROR);
        }
    }

    /**
     * A folder of shared rules linked into rules/ is not read (links are not followed): said as a
     * warning in the status and the log while the rules apply, where before its segments were
     * silently missing.
     */
    @Test
    void aFolderLinkedIntoTheRulesIsAWarningWhileTheRulesApply() throws Exception {
        try (CohortApp app = bodea(tmp); Captured log = new Captured()) {
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            Path shared = Files.createDirectories(tmp.resolve("shared-rules"));
            Files.writeString(shared.resolve("vip.drl"), seedAs("vip"));
            Files.createSymbolicLink(app.rules.resolve("team"), shared);
            RulesReadinessIT.await(() -> app.get("/v1/rules").json().get("messages").size() > 0);

            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("lastReloadFailed").asBoolean()).isFalse();
            assertThat(rules.get("activeVersion").asText()).as("the same rules").isEqualTo(version);
            assertThat(rules.get("messages")).singleElement().satisfies(m -> {
                assertThat(m.get("level").asText()).isEqualTo("WARNING");
                assertThat(m.get("file").asText()).isEqualTo("team/");
                assertThat(m.get("message").asText()).contains("symbolic link", "not loaded");
            });
            assertThat(app.get("/v1/segments/vip").status()).isEqualTo(404);
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            assertThat(log.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("team/", "symbolic link"));

            // The folder itself in its place: its rules load, and the warning is gone.
            Files.delete(app.rules.resolve("team"));
            Files.move(shared, app.rules.resolve("team"));
            // The status is written after the engine swapped the rules (the segment is there a moment earlier).
            RulesReadinessIT.await(() -> app.get("/v1/segments/vip").status() == 200
                    && !app.get("/v1/rules").json().get("activeVersion").asText().equals(version));
            app.settle();
            assertThat(app.get("/v1/rules").json().get("messages")).isEmpty();
            assertThat(BodeaScenarioIT.members(app, "vip")).containsExactly("p2@townsend.com");
        }
    }

    /** What the rule service and its watcher log, from its creation (after the start: Dropwizard configures logging when it starts). */
    static final class Captured extends ListAppender<ILoggingEvent> implements AutoCloseable {
        Captured() {
            start();
            logger(RuleService.class).addAppender(this);
            logger(RuleWatcher.class).addAppender(this);
        }

        void assertOneWarning(String containing) {
            assertThat(list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).singleElement().satisfies(e -> {
                assertThat(e.getLoggerName()).isEqualTo(RuleService.class.getName());
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getThrowableProxy()).isNull();
                assertThat(e.getFormattedMessage()).contains(containing).contains("keep serving");
            });
        }

        private static Logger logger(Class<?> c) { return (Logger) LoggerFactory.getLogger(c); }

        @Override public void close() {
            logger(RuleService.class).detachAppender(this);
            logger(RuleWatcher.class).detachAppender(this);
        }
    }
}
