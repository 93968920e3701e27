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
