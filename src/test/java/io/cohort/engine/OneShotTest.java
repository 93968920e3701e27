package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.*;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OneShotTest {
    static final Now NOW = new Now(Instant.parse("2026-11-25T00:00:00Z"));
    static final String RULES = """
            package cohort.segments;
            import io.cohort.model.*;

            declare CustomerAccount accountId : String end

            rule "Customer" salience -10
            when
                Opportunity(won, $a : accountId)
            then
                insertLogical(new CustomerAccount($a));
            end

            rule "Prospect"
                @segment("prospects")
                salience 10
            when
                $p : Person()
                not (AccountPerson(personId == $p.id, $a : accountId) and CustomerAccount(accountId == $a))
            then
                insertLogical(new Qualified("prospects", $p.id()));
            end

            rule "Customer person"
                @segment("customers")
            when
                $p : Person()
                AccountPerson(personId == $p.id, $a : accountId)
                CustomerAccount(accountId == $a)
            then
                insertLogical(new Qualified("customers", $p.id()));
            end

            rule "Big spender"
                @segment("customers")
            when
                $p : Person()
                accumulate(AccountPerson(personId == $p.id, $a : accountId)
                           and Opportunity(accountId == $a, won, $amount : amount);
                           $total : sum($amount); $total > 100)
            then
                insertLogical(new Qualified("customers", $p.id()));
            end
            """;

    final RuleBook book = new RuleCompiler(Clock.systemUTC())
            .compile(Map.of("c.drl", RULES)).ruleBook().orElseThrow();

    static Person person(String id) {
        return new Person(id, id + "@x.example", null, null, null, null, false, List.of(), Map.of());
    }

    @Test
    void explainsByTheMatchesThatStillHoldIncludingDerivedFacts() {
        var facts = List.<Fact>of(person("p1"), new AccountPerson("a1", "p1", null, java.util.Map.of()),
                new Opportunity("o1", "a1", "Deal", 500, "USD", "Closed Won", true, true, null, null, java.util.Map.of(), true));
        OneShot.Result r = OneShot.run(book.kieBase(), book, facts, NOW, true, Budget.DEFAULT);

        // "Prospect" fired first (salience 10) and was undone once CustomerAccount appeared.
        assertThat(r.qualified()).containsExactly(new Qualified("customers", "p1"));
        List<OneShot.Justification> why = r.why(new Qualified("customers", "p1"));
        assertThat(why).extracting(OneShot.Justification::rule).containsExactlyInAnyOrder("Customer person", "Big spender");
        assertThat(why).allSatisfy(j -> assertThat(j.file()).isEqualTo("c.drl"));

        OneShot.Justification viaClass = why.stream().filter(j -> j.rule().equals("Customer person")).findFirst().orElseThrow();
        OneShot.Matched customer = viaClass.facts().stream().filter(m -> m.type().equals("CustomerAccount")).findFirst().orElseThrow();
        assertThat(customer.derivedBy()).singleElement().satisfies(d -> {
            assertThat(d.rule()).isEqualTo("Customer");
            assertThat(d.facts()).extracting(OneShot.Matched::key).containsExactly("O:o1");
        });
        OneShot.Justification sum = why.stream().filter(j -> j.rule().equals("Big spender")).findFirst().orElseThrow();
        assertThat(sum.bindings()).containsEntry("$total", 500.0);
        assertThat(sum.facts()).extracting(OneShot.Matched::key).contains("P:p1");
    }

    @Test
    void withoutExplainNothingIsRecordedAndNegationHolds() {
        OneShot.Result r = OneShot.run(book.kieBase(), book, List.of(person("p2")), NOW, false, Budget.DEFAULT);
        assertThat(r.qualified()).containsExactly(new Qualified("prospects", "p2"));
        assertThat(r.justifications()).isEmpty();
        assertThat(r.failure()).isNull();
    }

    @Test
    void aRuleThatFiresBeyondTheBudgetIsStoppedAndNamed() {
        String pairs = """
                package cohort.segments;
                import io.cohort.model.*;
                declare Pair
                    opportunityId : String @key
                    personId : String @key
                end
                rule "Pairs"
                when
                    $p : Person()
                    AccountPerson(personId == $p.id, $a : accountId)
                    $o : Opportunity(accountId == $a)
                then
                    insertLogical(new Pair($o.id(), $p.id()));
                end
                """;
        RuleBook b = new RuleCompiler(Clock.systemUTC()).compile(Map.of("pairs.drl", pairs)).ruleBook().orElseThrow();
        List<Fact> facts = new java.util.ArrayList<>(List.of(person("p1"), new AccountPerson("a1", "p1", null, java.util.Map.of())));
        for (int i = 0; i < 600; i++) facts.add(new Opportunity("o" + i, "a1", "Deal", 1, "USD", "Open", false, false, null, null, java.util.Map.of(), true));
        OneShot.Result r = OneShot.run(b.kieBase(), b, facts, NOW, false, new Budget(500, 1_000_000, 60_000_000_000L));
        assertThat(r.fired()).isBetween(500, 501); // Drools may fire one past the limit
        assertThat(r.failure().kind()).isEqualTo(OneShot.Failure.Kind.FIRINGS);
        assertThat(r.failure().rule()).isEqualTo("Pairs");
        OneShot.Result d = OneShot.run(b.kieBase(), b, facts, NOW, false, new Budget(1_000_000, 100, 60_000_000_000L));
        assertThat(d.failure().kind()).isEqualTo(OneShot.Failure.Kind.DERIVED);
        assertThat(d.failure().rule()).isEqualTo("Pairs");
    }

    /** A file with rule {@code name} of segment "colleagues": a person, their account {@code $a}, then {@code condition}. */
    static String colleagues(String name, String condition) {
        return """
                package cohort.segments;
                import io.cohort.model.*;
                rule "%s"
                    @segment("colleagues")
                when
                    $p : Person()
                    AccountPerson(personId == $p.id, $a : accountId)
                    %s
                then
                    insertLogical(new Qualified("colleagues", $p.id()));
                end
                """.formatted(name, condition);
    }

    /** {@link #colleagues} as rule "Colleagues", and rule "Everyone" of segment "everyone"; the sandbox accepts them. */
    static RuleBook colleaguesAndEveryone(String condition) {
        String drl = colleagues("Colleagues", condition) + """
                rule "Everyone"
                    @segment("everyone")
                when
                    $p : Person()
                then
                    insertLogical(new Qualified("everyone", $p.id()));
                end
                """;
        var compiled = new RuleCompiler(Clock.systemUTC()).compile(Map.of("hostile.drl", drl));
        assertThat(compiled.messages()).as("the sandbox accepts it").noneMatch(m -> m.level() == RuleMessage.Level.ERROR);
        return compiled.ruleBook().orElseThrow();
    }

    /** {@code n} people p0… of account a1. */
    static List<Fact> oneAccount(int n) {
        List<Fact> facts = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            facts.add(person("p" + i));
            facts.add(new AccountPerson("a1", "p" + i, null, Map.of()));
        }
        return facts;
    }

    /**
     * Conditions after {@code $a : accountId} that join every colleague of the account (or deal)
     * with every two others and never match: plain, in not, exists, accumulate, collect, or deals.
     */
    static String multiplying(String shape) {
        String colleagues = "AccountPerson(accountId == $a, $x : personId) and AccountPerson(accountId == $a, $y : personId) "
                + "and AccountPerson(accountId == $a, personId.length() > $x.length() + $y.length() + 100)";
        return switch (shape) {
            case "plain" -> colleagues.replace(" and ", "\n    ");
            case "not" -> "not (" + colleagues + ")";
            case "exists" -> "exists (" + colleagues + ")";
            case "accumulate" -> "accumulate(" + colleagues + "; $n : count(); $n > 0)";
            case "collect" -> "AccountPerson(accountId == $a, $x : personId)\n    AccountPerson(accountId == $a, $y : personId)\n    "
                    + "$c : java.util.List() from collect(AccountPerson(accountId == $a, personId.length() > $x.length() + $y.length() + 100))";
            default -> "Opportunity(accountId == $a, $o : id)\n    Opportunity(accountId == $a, $q : id)\n    "
                    + "Opportunity(accountId == $a, name.length() > $o.length() + $q.length() + 100)";
        };
    }

    /**
     * A budget of time alone: matching that multiplies also allocates, and on a fast machine it
     * passed the default memory limit (an eighth of the heap) before 300 ms, stopped as MEMORY; these
     * tests are about the deadline.
     */
    static Budget timeOnly(long nanos) {
        return new Budget(10_000_000, 1_000_000, nanos, Long.MAX_VALUE, 10_000_000, 1_000_000, Long.MAX_VALUE);
    }

    /**
     * Matching that never fires: every colleague of an account with every two others. Drools checks
     * halt() only between firings, so before the sandbox's deadline in every join this ran for
     * minutes (150 people: 15 s, 500 people: about half an hour) and reported nothing. The same
     * inside not, exists, accumulate and collect, and deals of one account joined with each other.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"plain", "not", "exists", "accumulate", "collect", "deals"})
    void matchingThatMultipliesWithoutFiringIsStoppedAtTheDeadlineAndNamed(String shape) {
        RuleBook b = colleaguesAndEveryone(multiplying(shape));
        List<Fact> facts = new java.util.ArrayList<>();
        facts.add(person("p0"));
        facts.add(new AccountPerson("a1", "p0", null, Map.of()));
        for (int i = 1; i < (shape.equals("deals") ? 400 : 150); i++) {
            if (shape.equals("deals")) {
                facts.add(new Opportunity("o" + i, "a1", "Deal", 1, "USD", "Open", false, false, null, null, Map.of(), true));
            } else {
                facts.add(person("p" + i));
                facts.add(new AccountPerson("a1", "p" + i, null, Map.of()));
            }
        }
        long start = System.nanoTime();
        OneShot.Result r = OneShot.run(b.kieBase(), b, facts, NOW, false, timeOnly(300_000_000L));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.failure()).as("stopped (after %d ms)", millis).isNotNull();
        assertThat(r.failure().kind()).isEqualTo(OneShot.Failure.Kind.TIME);
        assertThat(r.failure().rule()).isEqualTo("Colleagues");
        assertThat(r.failure().message()).contains("300 ms", "Colleagues");
        // Near its deadline, not once the matching is done: before, a rule that also fired (not,
        // collect) was seen over time only at its 256th firing, 16 and 27 s in; the others never.
        assertThat(millis).as("stopped near the deadline").isLessThan(10_000);
        // The thread's deadline is put back: the next evaluation on it is not cut short.
        OneShot.Result next = OneShot.run(b.kieBase(), b, List.of(person("p1")), NOW, false, Budget.DEFAULT);
        assertThat(next.ok()).isTrue();
        assertThat(next.qualified()).contains(new Qualified("everyone", "p1"));
    }

    /**
     * Drools quotes a rule's name unescaped in a condition's exception: 'say "hi"' read as 'say ',
     * a rule no book has, and nothing was suspended (the segment lost its members, every batch
     * paying the budget again). The name is found whole.
     */
    @Test
    void aRuleWhoseNameHoldsAQuoteIsNamedWholeWhenItsMatchingRunsOutOfTime() {
        String drl = colleagues("say \\\"hi\\\" to colleagues", multiplying("plain"));
        RuleBook b = new RuleCompiler(Clock.systemUTC()).compile(Map.of("quoted.drl", drl)).ruleBook().orElseThrow();
        OneShot.Result r = OneShot.run(b.kieBase(), b, oneAccount(150), NOW, false, timeOnly(300_000_000L));
        assertThat(r.failure().kind()).isEqualTo(OneShot.Failure.Kind.TIME);
        assertThat(r.failure().rule()).isEqualTo("say \"hi\" to colleagues");
        assertThat(b.ruleFiles()).containsKey(r.failure().rule());
    }

    /**
     * Matching that multiplies and matches: Drools makes all of a rule's matches before it fires the
     * first, so every colleague of an account with every two others filled the heap (60 people:
     * 13M matches, 2.3 GB in a 2 GB heap, GC-bound for the 30 s of the time budget) and every other
     * thread of the service starved with it. The same with the combinations collected into lists.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"plain", "collect"})
    void matchingThatFillsTheHeapIsStoppedAtTheAllocationLimitAndNamed(String shape) {
        String condition = "AccountPerson(accountId == $a, $x : personId)\n    AccountPerson(accountId == $a, $y : personId)\n    "
                + (shape.equals("plain") ? "AccountPerson(accountId == $a, $z : personId)" : "$c : java.util.List() from collect(AccountPerson(accountId == $a))");
        RuleBook b = colleaguesAndEveryone(condition);
        assertThat(io.cohort.engine.sandbox.Deadline.measuresMemory()).as("HotSpot counts allocation per thread").isTrue();
        long limit = 64L << 20;
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        // Ten minutes of time: only the memory can stop it.
        OneShot.Result r = OneShot.run(b.kieBase(), b, oneAccount(120), NOW, false,
                new Budget(10_000_000, 1_000_000, 600_000_000_000L, limit, 10_000_000, 1_000_000, limit));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(r.failure()).as("stopped (after %,d bytes)", allocated).isNotNull();
        assertThat(r.failure().kind()).isEqualTo(OneShot.Failure.Kind.MEMORY);
        assertThat(r.failure().rule()).isEqualTo("Colleagues");
        assertThat(r.failure().message()).contains("64 MiB", "Colleagues");
        // Near the limit: the allocation is read every 1,024 join pairs, and a pair is a few hundred bytes.
        assertThat(allocated).as("stopped near the limit").isLessThan(2 * limit);
        OneShot.Result next = OneShot.run(b.kieBase(), b, List.of(person("p1")), NOW, false, Budget.DEFAULT);
        assertThat(next.ok()).isTrue();
        assertThat(next.qualified()).contains(new Qualified("everyone", "p1"));
    }

    /**
     * A pooled session is reset and handed out again (engine.sessionPool): one stopped by a budget
     * or a throwing rule must not carry its halt, facts or listeners into the next evaluation.
     */
    @Test
    void aPooledSessionStoppedByABudgetOrAnExceptionAnswersLikeANewOneNextTime() {
        var facts = List.<Fact>of(person("p1"), person("p2"), new AccountPerson("a1", "p1", null, Map.of()),
                new Opportunity("o1", "a1", "Deal", 500, "USD", "Closed Won", true, true, null, null, Map.of(), true));
        OneShot.Result fresh = OneShot.run(book.kieBase(), book, facts, NOW, false, Budget.DEFAULT);
        assertThat(fresh.qualified()).containsExactlyInAnyOrder(new Qualified("customers", "p1"), new Qualified("prospects", "p2"));

        var pool = book.sessionsPool();
        OneShot.Result stopped = OneShot.run(pool, book, facts, NOW, new Budget(2, 1_000, 30_000_000_000L, 1_000, 100));
        assertThat(stopped.ok()).as("stopped after 2 firings").isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(OneShot.run(pool, book, facts, NOW, Budget.DEFAULT).qualified()).isEqualTo(fresh.qualified());
        }
        // A fact whose field throws in a condition (a null where the rule calls a method).
        RuleBook throwing = new RuleCompiler(Clock.systemUTC()).compile(Map.of("t.drl", """
                package cohort.segments;
                import io.cohort.model.*;
                rule "Lower-cased title"
                    @segment("vps")
                when
                    $p : Person(title.toLowerCase().contains("vp"))
                then
                    insertLogical(new Qualified("vps", $p.id()));
                end
                """)).ruleBook().orElseThrow();
        var withTitle = new Person("p3", "p3@x.example", null, null, "VP Sales", null, false, List.of(), Map.of());
        var throwingPool = throwing.sessionsPool();
        assertThat(OneShot.run(throwingPool, throwing, List.of(person("p1")), NOW, Budget.DEFAULT).ok()).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(OneShot.run(throwingPool, throwing, List.of(withTitle), NOW, Budget.DEFAULT).qualified())
                    .containsExactly(new Qualified("vps", "p3"));
        }
    }
}
