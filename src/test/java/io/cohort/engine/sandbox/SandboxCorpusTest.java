package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.CompileResult;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kie.api.io.ResourceType;
import org.kie.internal.utils.KieHelper;

/**
 * The sandbox's hostile corpus ({@link HostileRules}): every file is refused, with its own file and
 * the line of the offending construct, beside the shipped rules (which are not blamed); and the
 * files marked raw really compile in plain Drools, so the sandbox is what stops them.
 */
class SandboxCorpusTest {
    private final RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());

    @Test
    void theCorpusIsLarge() {
        assertThat(HostileRules.all()).hasSizeGreaterThanOrEqualTo(150);
        assertThat(HostileRules.all().stream().map(HostileRules.Hostile::name).distinct()).hasSameSizeAs(HostileRules.all());
    }

    @Test
    void everyHostileFileIsRefusedAtItsLineAndNothingElseIsBlamed() {
        Map<String, String> shipped = RuleService.readDirectory(Path.of("rules"));
        List<String> wrong = new ArrayList<>();
        for (HostileRules.Hostile h : HostileRules.all()) {
            Map<String, String> files = new TreeMap<>(shipped);
            files.put(h.file(), h.drl());
            CompileResult r;
            try {
                r = compiler.compile(files);
            } catch (RuntimeException | StackOverflowError e) {
                // Out of the compiler, not a message: validate answered 500, a reload left no status.
                wrong.add(h.name() + ": the compile threw " + e.getClass().getSimpleName());
                continue;
            }
            List<RuleMessage> errors = r.errors();
            if (r.ok() || errors.isEmpty()) {
                wrong.add(h.name() + ": accepted");
            } else if (errors.stream().noneMatch(m -> m.file().equals(h.file()) && m.line() == h.line())) {
                wrong.add(h.name() + ": no error at line " + h.line() + ": " + errors);
            } else if (errors.stream().anyMatch(m -> !m.file().equals(h.file()))) {
                wrong.add(h.name() + ": blames another file: " + errors);
            }
        }
        assertThat(wrong).isEmpty();
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
