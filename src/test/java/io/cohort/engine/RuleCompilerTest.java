package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleCompilerTest {
    private final RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());

    @Test
    void shippedSeedRuleCompilesAndDeclaresItsSegment() throws Exception {
        String drl = Files.readString(Path.of("rules/high-value-new-product.drl"));
        CompileResult r = compiler.compile(Map.of("high-value-new-product.drl", drl));
        assertThat(r.errors()).isEmpty();
        SegmentDefinition s = r.ruleBook().orElseThrow().segment("high-value-new-product").orElseThrow();
        assertThat(s.name()).isEqualTo("High-value accounts: new product interest");
        assertThat(s.files()).containsExactly("high-value-new-product.drl");
        assertThat(s.description()).startsWith("People of an account that won more than $1M in total across all sources");
        assertThat(r.ruleBook().orElseThrow().fileOf("High-value account, viewed the new product"))
                .isEqualTo("high-value-new-product.drl");
    }

    /**
     * The same files compile to the same KieBase once per process (validate and preview compile
     * the running set again at every call), compiled "at" each call; other files, and a set whose
     * files the directory refused, are compiled afresh.
     */
    @Test
    void theSameFilesAreCompiledOnceAndOthersAfresh() throws Exception {
        ManualClock clock = new ManualClock(java.time.Instant.parse("2026-11-25T00:00:00Z"));
        RuleCompiler remembering = new RuleCompiler(clock, new CompiledRuleSets());
        String drl = Files.readString(Path.of("rules/high-value-new-product.drl"));
        RuleBook first = remembering.compile(Map.of("high-value-new-product.drl", drl)).ruleBook().orElseThrow();
        clock.advance(java.time.Duration.ofHours(1));
        RuleBook again = remembering.compile(Map.of("high-value-new-product.drl", drl)).ruleBook().orElseThrow();
        assertThat(again.kieBase()).isSameAs(first.kieBase());
        assertThat(again.version()).isEqualTo(first.version());
        assertThat(again.compiledAt()).isEqualTo(clock.instant()).isNotEqualTo(first.compiledAt());

        RuleBook renamed = remembering.compile(Map.of("other-name.drl", drl)).ruleBook().orElseThrow();
        assertThat(renamed.kieBase()).isNotSameAs(first.kieBase());
        RuleBook edited = remembering.compile(Map.of("high-value-new-product.drl", drl + "\n")).ruleBook().orElseThrow();
        assertThat(edited.kieBase()).isNotSameAs(first.kieBase());
        RuleFiles withRefused = RuleFiles.fromBytes(Map.of("high-value-new-product.drl", drl.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Map.of("x.drl", RuleMessage.error("x.drl", 1, 1, "cannot read this file")));
        assertThat(remembering.compile(withRefused).ok()).isFalse();
        assertThat(CompiledRuleSets.key(withRefused)).isEmpty();
        // A compiler of its own remembers nothing of another's.
        assertThat(new RuleCompiler(clock).compile(Map.of("high-value-new-product.drl", drl)).ruleBook().orElseThrow().kieBase())
                .isNotSameAs(first.kieBase());
    }

    /**
     * A type declared in one file and used in another compiles whatever the files' names: Drools
     * resolves a file's patterns as it adds the file, so a user of CustomerAccount whose name
     * sorted before customer-accounts.drl failed ("Unable to resolve ObjectType") until the
     * files were added as one batch.
     */
    @Test
    void aTypeDeclaredInAFileThatSortsLaterCompiles() throws Exception {
        String declaring = Files.readString(Path.of("rules/customer-accounts.drl"));
        String using = Files.readString(Path.of("rules/upsell-customers.drl"));
        for (String[] names : new String[][] {{"customer-accounts.drl", "upsell-customers.drl"}, {"z-customers.drl", "a-upsell.drl"}}) {
            CompileResult r = new RuleCompiler(Clock.systemUTC()).compile(Map.of(names[0], declaring, names[1], using));
            assertThat(r.errors()).as(String.join(", ", names)).isEmpty();
            assertThat(r.ruleBook().orElseThrow().segment("upsell-customers").orElseThrow().files()).containsExactly(names[1]);
        }
    }

    @Test
    void syntaxErrorIsReportedWithFileAndLine() {
        String drl = """
                package cohort.segments;
                import io.cohort.model.*;

                rule "broken"
                    @segment("broken")
                when
                    $p : Person(emailx == "a")
                then
                    insertLogical(new Qualified("broken", $p.id()));
                end
                """;
        CompileResult r = compiler.compile(Map.of("broken.drl", drl));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).isNotEmpty();
        assertThat(r.errors().get(0).file()).isEqualTo("broken.drl");
        assertThat(r.errors().get(0).line()).isEqualTo(7);
    }

    @Test
    void qualifyingAnUndeclaredSegmentIsAnError() {
        String drl = """
                package cohort.segments;
                import io.cohort.model.*;

                rule "typo"
                    @segment("vip")
                when
                    $p : Person()
                then
                    insertLogical(new Qualified("vpi", $p.id()));
                end
                """;
        CompileResult r = compiler.compile(Map.of("typo.drl", drl));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).anySatisfy(m -> {
            assertThat(m.line()).isEqualTo(9);
            assertThat(m.message()).contains("'vpi'");
        });
    }
}
