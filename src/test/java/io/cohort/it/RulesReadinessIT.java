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

    static long gauge(CohortApp app, String name) {
        return app.admin("/metrics").json().get("gauges").get(name).get("value").asLong();
    }
}
