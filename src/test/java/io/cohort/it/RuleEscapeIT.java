package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.engine.CompileResult;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleGuard;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;
import io.cohort.engine.SafeRuleGuard;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thinks like an attacker with write access to rules/: each escape in {@link RuleEscapes} is a
 * real rule file beside the shipped ones, and must be refused with its file and line, by the
 * compiler the service uses and over HTTP by POST /v1/rules/validate, while legitimate rules
 * still compile.
 */
class RuleEscapeIT {
    @TempDir Path tmp;

    private RuleService rulesWith(Path dir) throws Exception {
        CohortApp.copyRules(Path.of("rules"), dir);
        return new RuleService(dir, new RuleCompiler(new SafeRuleGuard(), Clock.systemUTC()), Clock.systemUTC(), RuleService.LastGood.NONE);
    }

    static void assertRefused(RuleEscapes.Escape e, List<RuleMessage> errors) {
        assertThat(errors).as(e.name() + " must be refused").isNotEmpty();
        assertThat(errors).as(e.name() + ": an error naming file and line " + e.line())
                .anySatisfy(m -> {
                    assertThat(m.file()).isEqualTo(e.file());
                    assertThat(m.line()).isEqualTo(e.line());
                    assertThat(m.message()).contains("not allowed");
                });
        assertThat(errors).as("the shipped rules are not blamed").allSatisfy(m -> assertThat(m.file()).isEqualTo(e.file()));
    }

    @Test
    void everyEscapeInTheRulesDirectoryIsRefusedWithFileAndLine() throws Exception {
        Path dir = tmp.resolve("rules");
        RuleService rules = rulesWith(dir);
        List<String> refused = new ArrayList<>();
        for (RuleEscapes.Escape e : RuleEscapes.all()) {
            Path f = dir.resolve(e.file());
            Files.writeString(f, e.drl(), StandardCharsets.UTF_8);
            try {
                Map<String, String> files = rules.readDirectory();
                assertThat(files).containsKeys(e.file(), "high-value-new-product.drl");
                CompileResult r = new RuleCompiler(new SafeRuleGuard(), Clock.systemUTC()).compile(files);
                assertThat(r.ok()).as(e.name()).isFalse();
                assertRefused(e, r.errors());
                refused.add(e.name());
            } finally {
                Files.delete(f);
            }
        }
        assertThat(refused).hasSize(RuleEscapes.all().size());
        // The directory without escapes starts, as the service would.
        assertThat(rules.initial().segments()).containsKey("high-value-new-product");
    }

    /** The escapes are real: without the guard, Drools compiles them, so only the guard stands in the way. */
    @Test
    void withoutTheGuardTheseWouldCompile() {
        RuleCompiler unguarded = new RuleCompiler(RuleGuard.NONE, Clock.systemUTC());
        for (RuleEscapes.Escape e : RuleEscapes.all()) {
            if (!e.compiles()) continue;
            CompileResult r = unguarded.compile(Map.of(e.file(), e.drl()));
            assertThat(r.errors()).as(e.name() + " compiles without the guard").isEmpty();
        }
    }

    @Test
    void legitimateRulesStillCompile() throws Exception {
        RuleService rules = rulesWith(tmp.resolve("rules"));
        CompileResult shipped = new RuleCompiler(new SafeRuleGuard(), Clock.systemUTC()).compile(rules.readDirectory());
        assertThat(shipped.messages()).as("rules/*.drl").filteredOn(m -> m.level() == RuleMessage.Level.ERROR).isEmpty();
        assertThat(shipped.ok()).isTrue();

        String legit = """
                package cohort.segments;
                import io.cohort.model.*;
                import java.time.*;
                import java.util.List;

                // Words in comments and strings are not code: System, Runtime, new File, while, drools.
                /* Block comments too: Class.forName("x"), java.io.File */
                declare Recent
                    personId : String
                end

                rule "Café visitors, recent"
                    @segment("cafe-recent")
                    @description("Mentions System.exit and java.net.Socket only in a string; déjà vu \\u00e9")
                when
                    $now : Now()
                    $p : Person(email != null, email.toLowerCase(java.util.Locale.ROOT).endsWith("@townsend.com"))
                    Activity(personId == $p.id, count($now.instant.minus(java.time.Duration.ofDays(30))) > 0)
                then
                    String note = "while (true) — not code";
                    double d = Math.max(1, 2);
                    insertLogical(new Recent($p.id()));
                    insertLogical(new Qualified("cafe-recent", $p.id()));
                end
                """;
        Map<String, String> files = new java.util.TreeMap<>(rules.readDirectory());
        files.put("legit.drl", legit);
        CompileResult r = new RuleCompiler(new SafeRuleGuard(), Clock.systemUTC()).compile(files);
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleBook().orElseThrow().segments()).containsKeys("cafe-recent", "high-value-new-product");
    }

    @Test
    void validateOverHttpRefusesEachEscapeWith422() throws Exception {
        try (CohortApp app = new CohortApp(tmp.resolve("app"))) {
            app.start();
            for (RuleEscapes.Escape e : RuleEscapes.all()) {
                Http.Reply r = Http.send(app.port(), "POST", "/v1/rules/validate?file="
                        + URLEncoder.encode(e.file(), StandardCharsets.UTF_8), e.drl(),
                        Map.of("Authorization", "Bearer test-token-analyst", "Content-Type", "text/plain; charset=utf-8"));
                assertThat(r.status()).as(e.name() + ": " + r).isEqualTo(422);
                JsonNode body = r.json();
                assertThat(body.get("valid").asBoolean()).isFalse();
                List<RuleMessage> messages = new ArrayList<>();
                body.get("messages").forEach(m -> messages.add(new RuleMessage(RuleMessage.Level.valueOf(m.get("level").asText()),
                        m.get("file").asText(), m.get("line").asInt(), m.get("column").asInt(), m.get("message").asText())));
                assertRefused(e, messages);
            }
            // Nothing was applied: the shipped rules still serve.
            JsonNode status = app.get("/v1/rules").json();
            assertThat(status.get("lastReloadFailed").asBoolean()).isFalse();
            assertThat(status.get("segments").toString()).contains("high-value-new-product");
        }
    }
}
