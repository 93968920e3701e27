package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.CompileResult;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;
import io.cohort.engine.sandbox.HostileRules;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thinks like an attacker with the analyst role or write access to rules/: every file of the
 * sandbox's hostile corpus is refused with its file and line over HTTP by POST /v1/rules/validate
 * and POST /v1/rules/preview, and dropped into the running service's rules directory it is never
 * applied while the shipped segments keep serving. Legitimate rules still compile. (Validate
 * compiles the shipped files with the one sent, as the sandbox's own test once did for every file
 * too: this is now the one place each file's refusal at its line is checked.)
 */
class RuleEscapeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANALYST = "Bearer test-token-analyst";
    @TempDir Path tmp;

    static void assertRefused(HostileRules.Hostile h, List<RuleMessage> errors) {
        assertThat(errors).as(h.name() + " must be refused").isNotEmpty();
        assertThat(errors).as(h.name() + ": an error naming file and line " + h.line())
                .anySatisfy(m -> {
                    assertThat(m.file()).isEqualTo(h.file());
                    assertThat(m.line()).isEqualTo(h.line());
                });
        assertThat(errors).as(h.name() + ": the shipped rules are not blamed").allSatisfy(m -> assertThat(m.file()).isEqualTo(h.file()));
    }

    private static List<RuleMessage> errors(JsonNode body) {
        List<RuleMessage> out = new ArrayList<>();
        body.get("messages").forEach(m -> out.add(new RuleMessage(RuleMessage.Level.valueOf(m.get("level").asText()),
                m.get("file").asText(), m.get("line").asInt(), m.get("column").asInt(), m.get("message").asText())));
        return out.stream().filter(m -> m.level() == RuleMessage.Level.ERROR).toList();
    }

    @Test
    void validateAndPreviewRefuseEveryHostileFileAndApplyNothing() throws Exception {
        Path marker = Path.of("/tmp/cohort-pwned");
        Files.deleteIfExists(marker);
        try (CohortApp app = new CohortApp(tmp.resolve("app"))) {
            app.start();
            for (HostileRules.Hostile h : HostileRules.all()) {
                Http.Reply v = Http.send(app.port(), "POST", "/v1/rules/validate?file="
                        + URLEncoder.encode(h.file(), StandardCharsets.UTF_8), h.drl(),
                        Map.of("Authorization", ANALYST, "Content-Type", "text/plain; charset=utf-8"));
                assertThat(v.status()).as(h.name() + ": " + v).isEqualTo(422);
                assertThat(v.json().get("valid").asBoolean()).isFalse();
                assertRefused(h, errors(v.json()));

                String preview = JSON.writeValueAsString(Map.of("file", h.file(), "drl", h.drl()));
                Http.Reply p = Http.send(app.port(), "POST", "/v1/rules/preview", preview,
                        Map.of("Authorization", ANALYST, "Content-Type", "application/json"));
                assertThat(p.status()).as(h.name() + " preview: " + p).isEqualTo(422);
                assertRefused(h, errors(p.json()));
            }
            assertThat(marker).as("no hostile rule ran").doesNotExist();
            JsonNode status = app.get("/v1/rules").json();
            assertThat(status.get("lastReloadFailed").asBoolean()).isFalse();
            assertThat(status.get("segments").toString()).contains("high-value-new-product");
        }
    }

    @Test
    void aHostileFileInTheRulesDirectoryIsNeverAppliedAndTheShippedSegmentsKeepServing() throws Exception {
        try (CohortApp app = new CohortApp(tmp.resolve("app"))) {
            app.start();
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            for (String name : List.of("rhs-runtime-exec", "split-mvel", "cross-product-people", "rhs-delete", "attr-calendars",
                    "eval-fib", "ballast")) {
                HostileRules.Hostile h = HostileRules.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
                Files.writeString(app.rules.resolve(h.file()), h.drl());
                assertThat(app.task("reload-rules").status()).as("refused, the running rules kept").isEqualTo(422);
                JsonNode r = app.get("/v1/rules").json();
                assertThat(r.get("activeVersion").asText()).as(h.name()).isEqualTo(version);
                assertThat(r.get("lastReloadFailed").asBoolean()).isTrue();
                assertRefused(h, errors(r));
                Files.delete(app.rules.resolve(h.file()));
            }
        }
    }

    @Test
    void legitimateRulesStillCompile() throws Exception {
        Path dir = tmp.resolve("rules");
        CohortApp.copyRules(Path.of("rules"), dir);
        Map<String, String> files = new TreeMap<>(RuleService.readDirectory(dir));
        files.put("legit.drl", """
                package cohort.segments;
                import io.cohort.model.*;

                // Words in comments and strings are not code: System, Runtime, new File, while, drools.
                /* Block comments too: Class.forName("x"), java.io.File */
                declare RecentVisitor
                    personId : String @key
                end

                rule "Café visitors, recent"
                    @segment("cafe-recent")
                    @description("Mentions System.exit and java.net.Socket only in a string; déjà vu é")
                    salience 10
                when
                    $now : Now()
                    $p : Person(email != null, email.toLowerCase().endsWith("@townsend.com"), title not matches "(?i)intern.*")
                    Activity(personId == $p.id, count($now.daysAgo(30)) > 0, viewed("/café", $now.hoursAgo(12)))
                    AccountPerson(personId == $p.id, $account : accountId)
                    not Opportunity(accountId == $account, closeDate != null, closeDate < $now.date().minusDays(90))
                then
                    // while (true) — not code
                    insertLogical(new RecentVisitor($p.id()));
                    insertLogical(new Qualified("cafe-recent", $p.id()));
                end
                """);
        CompileResult r = new RuleCompiler(Clock.systemUTC()).compile(files);
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleBook().orElseThrow().segments()).containsKeys("cafe-recent", "high-value-new-product");
    }
}
