package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.RuleService;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 11, item 9 (readiness): one analyst typo in rules/ does not make the service unready while
 * the last good rules serve. The failed reload is a warning in GET /v1/rules, the metrics, the log
 * and the health check's message; /healthcheck stays 200.
 */
class RulesReadinessIT {
    static final String HEADER = "package cohort.segments;\nimport io.cohort.model.*;\n";
    @TempDir java.nio.file.Path tmp;

    @Test
    void oneTypoInRulesKeepsTheServiceReadyAndWarnsInStatusMetricsAndLog() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(RuleService.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            logger.addAppender(log); // after the start: Dropwizard configures logging afresh when it starts
            assertThat(gauge(app, "cohort.rules.lastReloadFailed")).isZero();
            long failedBefore = gauge(app, "cohort.rules.failedLoads");
            String version = app.get("/v1/rules").json().get("activeVersion").asText();

            // A new segment in the same edit as a typo: nothing of the edit may go live (issue 11 #6).
            Files.writeString(app.rules.resolve("newcomer.drl"), HEADER + "rule \"newcomer\" @segment(\"newcomer\") when $p : Person()"
                    + " then insertLogical(new Qualified(\"newcomer\", $p.id())); end\n");
            Files.writeString(app.rules.resolve("typo.drl"), HEADER + "rule \"typo\" when $p : Persn() then end\n");
            app.task("reload-rules");
            assertThat(app.get("/v1/segments").json().toString()).doesNotContain("newcomer");
            assertThat(app.get("/v1/segments/newcomer").status()).isEqualTo(404);
            Files.delete(app.rules.resolve("newcomer.drl"));

            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("lastReloadFailed").asBoolean()).isTrue();
            assertThat(rules.get("activeVersion").asText()).isEqualTo(version);
            assertThat(rules.get("messages").toString()).contains("typo.drl");
            CohortApp.Response health = app.admin("/healthcheck");
            assertThat(health.status()).as(health.toString()).isEqualTo(200);
            JsonNode check = health.json().get("rules");
            assertThat(check.get("healthy").asBoolean()).isTrue();
            assertThat(check.get("message").asText()).startsWith("WARNING").contains("typo.drl").contains(version);
            assertThat(check.get("lastReloadFailed").asBoolean()).isTrue();
            assertThat(gauge(app, "cohort.rules.lastReloadFailed")).isEqualTo(1);
            assertThat(gauge(app, "cohort.rules.failedLoads")).isGreaterThan(failedBefore);
            assertThat(log.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("typo.drl").contains("keep serving");
            });

            // A restart with the typo still on disk serves the last good rules and is ready.
            app.stop();
            app.start();
            assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
            assertThat(app.get("/v1/rules").json().get("activeVersion").asText()).isEqualTo(version);
            assertThat(gauge(app, "cohort.rules.lastReloadFailed")).isEqualTo(1);
            assertThat(gauge(app, "cohort.rules.failedLoads")).isEqualTo(1);

            Files.delete(app.rules.resolve("typo.drl"));
            app.task("reload-rules");
            assertThat(app.get("/v1/rules").json().get("lastReloadFailed").asBoolean()).isFalse();
            assertThat(gauge(app, "cohort.rules.lastReloadFailed")).isZero();
            JsonNode fixed = app.admin("/healthcheck").json().get("rules");
            assertThat(fixed.get("message").asText()).doesNotContain("WARNING");
            assertThat(fixed.get("lastReloadFailed").asBoolean()).isFalse();
        } finally {
            logger.detachAppender(log);
        }
    }

    /**
     * A rule file that is not UTF-8 text (the hostile-input campaign's Latin-1 "café") dropped into
     * the watched directory: a failed reload like a typo, naming file, line and column of the first
     * bad byte, logged once as a warning (it was an ERROR with a stack trace every watch interval,
     * while the status, health check and metric said all was well); the segments keep serving and
     * the file's page shows it. Saved again as UTF-8, it is applied.
     */
    @Test
    void aRuleFileThatIsNotUtf8IsAFailedReloadAtItsFirstBadByte() throws Exception {
        Logger serviceLog = (Logger) LoggerFactory.getLogger(RuleService.class);
        Logger watcherLog = (Logger) LoggerFactory.getLogger(io.cohort.engine.RuleWatcher.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            serviceLog.addAppender(log);
            watcherLog.addAppender(log);
            app.task("clock?set=2026-11-25T00:00:00Z");
            BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            app.task("clock?set=2026-11-25T00:01:00Z"); // the time of the reload to come
            app.settle();

            String drl = HEADER + "// caf\u00e9\nrule \"bin\"\n @segment(\"fz-bin\")\nwhen\n $p : Person()\nthen\n"
                    + " insertLogical(new Qualified(\"fz-bin\", $p.id()));\nend\n";
            Files.write(app.rules.resolve("fz-latin1.drl"), drl.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            await(() -> app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            Thread.sleep(1_000); // five more watch intervals with the file unchanged

            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("activeVersion").asText()).isEqualTo(version);
            assertThat(rules.get("lastAttempt").asText()).isEqualTo("2026-11-25T00:01:00Z");
            assertThat(rules.get("files").toString()).contains("fz-latin1.drl");
            JsonNode error = rules.get("messages").get(0);
            assertThat(error.get("level").asText()).isEqualTo("ERROR");
            assertThat(error.get("file").asText()).isEqualTo("fz-latin1.drl");
            assertThat(error.get("line").asInt()).isEqualTo(3);
            assertThat(error.get("column").asInt()).isEqualTo(7);
            assertThat(error.get("message").asText()).isEqualTo("not UTF-8 text (byte 0xE9); save the file as UTF-8");
            assertThat(rules.get("messages").findValues("level")).filteredOn(l -> l.asText().equals("ERROR")).hasSize(1);
            JsonNode check = app.admin("/healthcheck").json().get("rules");
            assertThat(check.get("healthy").asBoolean()).isTrue();
            assertThat(check.get("message").asText()).startsWith("WARNING").contains("fz-latin1.drl:3:7: error: not UTF-8 text")
                    .contains(version);
            assertThat(gauge(app, "cohort.rules.lastReloadFailed")).isEqualTo(1);
            assertThat(log.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).singleElement().satisfies(e -> {
                assertThat(e.getLoggerName()).isEqualTo(RuleService.class.getName());
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getThrowableProxy()).isNull();
                assertThat(e.getFormattedMessage()).contains("fz-latin1.drl:3:7: error: not UTF-8 text (byte 0xE9)").contains("keep serving");
            });

            // The previous segments keep serving; nothing of the file is applied.
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            assertThat(app.get("/v1/segments/fz-bin").status()).isEqualTo(404);

            // Its page shows it with the error at its line, as for any broken file; so does a draft of the same bytes.
            CohortApp.Response page = app.get("/v1/rules/files/fz-latin1.drl");
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            assertThat(page.json().get("source").asText()).contains("// caf\uFFFD\n");
            assertThat(page.json().get("lastReloadFailed").asBoolean()).isTrue();
            assertThat(page.json().get("messages").get(0).get("line").asInt()).isEqualTo(3);
            assertThat(page.json().get("messages").get(0).get("column").asInt()).isEqualTo(7);
            assertThat(page.json().get("messages").get(0).get("message").asText()).contains("not UTF-8 text (byte 0xE9)");
            var draft = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://localhost:" + app.port() + "/v1/rules/validate?file=fz-latin1.drl"))
                    .header("Authorization", "Bearer " + CohortApp.TOKEN).header("Content-Type", "text/plain")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(app.rules.resolve("fz-latin1.drl"))))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(draft.statusCode()).as(draft.body()).isEqualTo(422);
            assertThat(draft.body()).contains("\"line\":3,\"column\":7").contains("not UTF-8 text (byte 0xE9)");

            // Saved as UTF-8, it is applied.
            Files.writeString(app.rules.resolve("fz-latin1.drl"), drl);
            await(() -> !app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            assertThat(app.get("/v1/rules").json().get("activeVersion").asText()).isNotEqualTo(version);
            assertThat(app.get("/v1/rules/files/fz-latin1.drl").json().get("messages")).isEmpty();
            assertThat(gauge(app, "cohort.rules.lastReloadFailed")).isZero();
            app.settle();
            assertThat(app.get("/v1/segments/fz-bin").status()).isEqualTo(200);
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
        } finally {
            serviceLog.detachAppender(log);
            watcherLog.detachAppender(log);
        }
    }

    /**
     * The rules directory emptied (a checkout under way, files moved away) or gone (a volume not
     * mounted, a deploy swapping it) while the service runs, then a restart in that state: the rule
     * set it read declared no segment, and applying it ended every segment, which removed every
     * member from every destination (to add them all back when the files returned). Now a failed
     * reload saying why; the segments keep their members and the change feed has no exit.
     */
    @Test
    void anEmptiedOrMissingRulesDirectoryIsAFailedReloadAndNoSegmentLosesItsMembers() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            BodeaScenarioIT.load(app, "crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            String feed = app.get("/v1/segments/high-value-new-product/changes").body();
            java.nio.file.Path away = tmp.resolve("rules-away");

            // Every file moved away, the directory left empty.
            Files.move(app.rules, away);
            Files.createDirectory(app.rules);
            app.task("reload-rules");
            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("lastReloadFailed").asBoolean()).isTrue();
            assertThat(rules.get("activeVersion").asText()).isEqualTo(version);
            assertThat(rules.get("messages").toString()).contains("declare no segment").contains("not applied");

            // The directory gone altogether, and a restart in that state.
            Files.delete(app.rules);
            app.task("reload-rules");
            rules = app.get("/v1/rules").json();
            assertThat(rules.get("lastReloadFailed").asBoolean()).isTrue();
            assertThat(rules.get("messages").toString()).contains("does not exist").contains(app.rules.toAbsolutePath().toString());
            app.stop();
            app.start();
            assertThat(app.get("/v1/rules").json().get("activeVersion").asText()).isEqualTo(version);
            assertThat(app.get("/v1/rules").json().get("lastReloadFailed").asBoolean()).isTrue();
            app.settle();
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            assertThat(app.get("/v1/segments/high-value-new-product/changes").body()).isEqualTo(feed);

            // The files back: applied, and still nobody left or came.
            Files.move(away, app.rules);
            app.task("reload-rules");
            assertThat(app.get("/v1/rules").json().get("lastReloadFailed").asBoolean()).isFalse();
            app.settle();
            assertThat(BodeaScenarioIT.members(app)).containsExactly("p2@townsend.com");
            assertThat(app.get("/v1/segments/high-value-new-product/changes").body()).isEqualTo(feed);
        }
    }

    static void await(java.util.function.Supplier<Boolean> condition) throws InterruptedException {
        long end = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("waited 30 s for the rules watcher").isLessThan(end);
            Thread.sleep(100);
        }
    }

    static long gauge(CohortApp app, String name) {
        return app.admin("/metrics").json().get("gauges").get(name).get("value").asLong();
    }
}
