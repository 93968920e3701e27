package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.*;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Activity idioms of rules/README.md compile under the analysts' guard and mean what it says. */
class ActivityRulesTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final String RULES = """
            package cohort.segments;
            import io.cohort.model.*;

            rule "Three views in 14 days" @segment("engaged")
            when
                $now : Now()
                $p : Person()
                Activity(personId == $p.id, count("web.webpagedetails.pageViews", $now.daysAgo(14)) >= 3)
            then
                insertLogical(new Qualified("engaged", $p.id()));
            end

            rule "Demo request form, via from" @segment("demo")
            when
                $now : Now()
                $p : Person()
                $a : Activity(personId == $p.id)
                accumulate(Event(eventType == "form.submitted", attr("form") == "Demo request",
                                 timestamp > $now.daysAgo(30)) from $a.events;
                           $n : count(); $n >= 1)
            then
                insertLogical(new Qualified("demo", $p.id()));
            end
            """;

    static long daysAgo(int d) { return NOW.minusSeconds(86_400L * d).toEpochMilli(); }

    static Person person(String id) { return new Person(id, id + "@x.com", null, null, null, null, false, List.of(), Map.of()); }

    @Test
    void methodsAndFromOverEventsQualifyTheRightPeople() {
        RuleBook book = new RuleCompiler(Clock.systemUTC())
                .compile(Map.of("a.drl", RULES)).ruleBook().orElseThrow();
        String view = Activity.PAGE_VIEW;
        EventSeries three = EventSeries.EMPTY.with("m", 1, daysAgo(1), view, "/a", Map.of())
                .with("m", 2, daysAgo(2), view, "/b", Map.of()).with("m", 3, daysAgo(13), view, "/c", Map.of());
        EventSeries twoRecent = EventSeries.EMPTY.with("m", 4, daysAgo(1), view, "/a", Map.of())
                .with("m", 5, daysAgo(2), view, "/b", Map.of()).with("m", 6, daysAgo(15), view, "/c", Map.of())
                .with("m", 7, daysAgo(3), "form.submitted", null, Map.of("form", "Demo request"));
        EventSeries otherForm = EventSeries.EMPTY.with("m", 8, daysAgo(3), "form.submitted", null, Map.of("form", "Newsletter"));
        List<Fact> facts = List.of(person("p1"), new Activity("p1", List.of(three)),
                person("p2"), new Activity("p2", List.of(twoRecent)),
                person("p3"), new Activity("p3", List.of(otherForm)));
        OneShot.Result r = OneShot.run(book.kieBase(), book, facts, new Now(NOW), false, Budget.DEFAULT);
        assertThat(r.failure()).isNull();
        assertThat(r.qualified()).containsExactlyInAnyOrder(new Qualified("engaged", "p1"), new Qualified("demo", "p2"));
    }

    /**
     * Drools compiles a constraint to bytecode after it ran 20 times (MVEL jitting). In 10.2.0 the
     * jitted form of a constraint that calls a method with a bound variable and compares the
     * result calls a method signature that does not exist (NoSuchMethodError): every round failed.
     */
    @Test
    void constraintsKeepWorkingAfterTheyRanOftenEnoughToBeCompiled() {
        RuleBook book = new RuleCompiler(Clock.systemUTC())
                .compile(Map.of("a.drl", RULES)).ruleBook().orElseThrow();
        String view = Activity.PAGE_VIEW;
        // One session per person, as the engine evaluates: the jitting counter belongs to the KieBase.
        for (int i = 0; i < 200; i++) {
            String id = "p" + i;
            EventSeries s = EventSeries.EMPTY;
            for (int e = 0; e < i % 5; e++) s = s.with("m", e, daysAgo(e + 1), view, "/x", Map.of());
            OneShot.Result o = OneShot.run(book.kieBase(), book, List.of(person(id), new Activity(id, List.of(s))),
                    new Now(NOW), false, Budget.DEFAULT);
            assertThat(o.failure()).as("person %d", i).isNull();
            assertThat(o.qualified().contains(new Qualified("engaged", id))).as("person %d", i).isEqualTo(i % 5 >= 3);
        }
    }
}
