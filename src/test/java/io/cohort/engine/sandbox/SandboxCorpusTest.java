package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.CompileResult;
import io.cohort.engine.RuleCompiler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kie.api.io.ResourceType;
import org.kie.internal.utils.KieHelper;

/**
 * The sandbox's hostile corpus ({@link HostileRules}): the files marked raw really compile in plain
 * Drools, so the sandbox is what stops them. That every file is refused, with its own file and the
 * line of the offending construct, beside the shipped rules (which are not blamed), is checked once,
 * where an analyst meets it: RuleEscapeIT sends each to POST /v1/rules/validate, which is this
 * compiler's compile of the shipped files with the one added (RuleService#validate), and to preview.
 */
class SandboxCorpusTest {
    private final RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());

    @Test
    void theCorpusIsLarge() {
        assertThat(HostileRules.all()).hasSizeGreaterThanOrEqualTo(150);
        assertThat(HostileRules.all().stream().map(HostileRules.Hostile::name).distinct()).hasSameSizeAs(HostileRules.all());
    }

    /** What the cross-product refusal of 'from' must leave alone: one 'from' per chain, one after another. */
    @Test
    void fromsOneAfterAnotherAreAllowed() {
        String drl = HostileRules.lhs("a", "$a : Activity(personId == $p.id)\n"
                + "    accumulate(Event(eventType == \"form.submitted\") from $a.events; $n : count(); $n >= 1)\n"
                + "    accumulate(Event(eventType == \"email.opened\") from $a.events; $m : count(); $m >= 1)\n"
                + "    (Event(eventType == \"x\") from $a.events or Event(eventType == \"y\") from $a.events)");
        CompileResult r = compiler.compile(Map.of("a.drl", drl));
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void withoutTheSandboxDroolsCompilesTheRawOnes() {
        List<String> refusedByDrools = new ArrayList<>();
        for (HostileRules.Hostile h : HostileRules.all()) {
            if (!h.raw()) continue;
            var results = new KieHelper().addContent(h.drl(), ResourceType.DRL).verify();
            if (results.hasMessages(org.kie.api.builder.Message.Level.ERROR)) {
                refusedByDrools.add(h.name() + ": " + results.getMessages(org.kie.api.builder.Message.Level.ERROR).get(0).getText());
            }
        }
        assertThat(refusedByDrools).isEmpty();
    }
}
