package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.drools.drl.ast.descr.*;
import org.junit.jupiter.api.Test;

/** Where the sandbox puts its {@link Deadline} call, and what the call does. */
class DeadlineTest {

    @Test
    void firstInEveryPatternJoinedOnAnEarlierVariableAtEveryLevelAndNowhereElse() {
        String drl = HostileRules.lhs("a", """
                AccountPerson(personId == $p.id, $a : accountId)
                    not (AccountPerson(accountId == $a, $x : personId) and Person(id == $x, title == "CTO"))
                    accumulate(Opportunity(accountId == $a, won, $amount : amount); $t : sum($amount); $t > 0)
                    $act : Activity(personId == $p.id)
                    exists (Event(eventType == "x") from $act.events)""");
        DrlSandbox.Result r = new DrlSandbox().check(Map.of("a.drl", drl));
        assertThat(r.messages()).isEmpty();
        List<String> patterns = new ArrayList<>();
        walk(r.files().get("a.drl").getRules().get(0).getLhs(), patterns);
        assertThat(patterns).containsExactly(
                "Person[]",
                "AccountPerson[" + Deadline.CALL + "($p), personId == $p.id, $a : accountId]",
                "AccountPerson[" + Deadline.CALL + "($a), accountId == $a, $x : personId]",
                "Person[" + Deadline.CALL + "($x), id == $x, title == \"CTO\"]",
                "Opportunity[" + Deadline.CALL + "($a), accountId == $a, won, $amount : amount]",
                "Object[$t > 0]", // the accumulate's result: its source carries the call
                "Activity[" + Deadline.CALL + "($p), personId == $p.id]",
                "Event[" + Deadline.CALL + "($act), eventType == \"x\"]");
    }

    @Test
    void theSameRulesWithTheCallKeepTheirSignatureAndOwnConditions() {
        String drl = HostileRules.lhs("a", "Activity(personId == $p.id, events.size() > 1)");
        DrlSandbox.Result r = new DrlSandbox().check(Map.of("a.drl", drl));
        RuleDescr rule = r.files().get("a.drl").getRules().get(0);
        assertThat(RuleText.of(rule)).doesNotContain("Deadline");
        assertThat(r.own().get("a").selective()).as("the call is not a test of the person").isTrue();
        String bare = HostileRules.lhs("b", "Activity(personId == $p.id)");
        assertThat(new DrlSandbox().check(Map.of("b.drl", bare)).own().get("b").selective()).isFalse();
    }

    @Test
    void throwsOnlyPastTheDeadlineOfItsOwnThreadAndIsPutBack() {
        assertThat(Deadline.ok("x")).as("outside an evaluation").isTrue();
        Deadline.Saved outer = Deadline.start(-1);
        try {
            assertThatThrownBy(() -> { for (int i = 0; i < 5_000; i++) Deadline.ok("x"); }).isInstanceOf(Deadline.Exceeded.class);
            Deadline.Saved inner = Deadline.start(60_000_000_000L);
            for (int i = 0; i < 5_000; i++) Deadline.ok("x");
            Deadline.restore(inner);
            assertThatThrownBy(() -> { for (int i = 0; i < 5_000; i++) Deadline.ok("x"); }).isInstanceOf(Deadline.Exceeded.class);
        } finally {
            Deadline.restore(outer);
        }
        for (int i = 0; i < 5_000; i++) assertThat(Deadline.ok("x")).isTrue();
    }

    /** The memory budget counts this thread's allocation only, from its start; an outer evaluation's limit is put back. */
    @Test
    void throwsOncePastTheAllocationLimitOfItsOwnThreadAndIsPutBack() throws Exception {
        Deadline.Saved outer = Deadline.start(60_000_000_000L, 16L << 20);
        try {
            // Another thread allocating does not count against this one.
            Thread other = new Thread(() -> { for (int i = 0; i < 64; i++) sink = new byte[1 << 20]; });
            other.start();
            other.join();
            for (int i = 0; i < 5_000; i++) Deadline.ok("x");
            assertThat(Deadline.spent()).isNull();
            Deadline.Saved inner = Deadline.start(60_000_000_000L, Long.MAX_VALUE);
            for (int i = 0; i < 32; i++) sink = new byte[1 << 20];
            for (int i = 0; i < 5_000; i++) Deadline.ok("x");
            Deadline.restore(inner);
            assertThat(Deadline.spent()).isEqualTo(Deadline.Limit.MEMORY);
            assertThatThrownBy(() -> { for (int i = 0; i < 5_000; i++) Deadline.ok("x"); })
                    .isInstanceOfSatisfying(Deadline.Exceeded.class, e -> {
                        assertThat(e.limit).isEqualTo(Deadline.Limit.MEMORY);
                        assertThat(e.getMessage()).contains("16 MiB");
                    });
        } finally {
            Deadline.restore(outer);
        }
        assertThat(Deadline.spent()).as("outside an evaluation").isNull();
    }

    private static volatile byte[] sink;

    private static void walk(BaseDescr d, List<String> out) {
        if (d instanceof PatternDescr p) {
            List<String> cs = new ArrayList<>();
            for (BaseDescr c : p.getDescrs()) cs.add(((ExprConstraintDescr) c).getExpression());
            if (p.getSource() instanceof AccumulateDescr a) walk(a.getInput(), out);
            out.add(p.getObjectType() + cs);
        } else if (d instanceof ConditionalElementDescr ce) {
            for (Object o : ce.getDescrs()) walk((BaseDescr) o, out);
        }
    }
}
