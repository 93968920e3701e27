package io.cohort.engine;

import io.cohort.identity.Neighbourhood;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Why one person is (or is not) in one segment now: the person's neighbourhood evaluated with the
 * rules the segment depends on, alone (another segment's faulty rule cannot spoil it), recording
 * the matches that justify the qualification.
 */
public final class Explainer {
    /**
     * @param person    the person's unified fact, empty when no record has the id
     * @param result    the evaluation with its justifications
     * @param others    the other segments the person qualifies for in the same evaluation
     */
    public record Explanation(Optional<Person> person, OneShot.Result result, Set<String> others) {
        public boolean qualified(String segment, String personId) { return result.qualified().contains(new Qualified(segment, personId)); }
    }

    private Explainer() {}

    public static Explanation explain(ProfileGraph graph, RuleBook book, String segment, String personId, Instant now,
                                      Duration eventRetention, Budget budget) {
        RuleState state = new RuleState(book);
        Neighbourhood n = graph.neighbourhood(List.of(personId), book.shape().depth(), now.minus(eventRetention));
        Optional<Person> person = n.persons().stream().filter(p -> p.id().equals(personId)).findFirst();
        OneShot.Result own = OneShot.run(book.kieBaseOf(state.closure(Set.of(segment))), book, n.facts(), new Now(now), true, budget);
        OneShot.Result all = OneShot.run(book.kieBase(), book, n.facts(), new Now(now), false, budget);
        Set<String> others = new java.util.TreeSet<>();
        for (Qualified q : all.qualified()) if (q.personId().equals(personId) && !q.segmentId().equals(segment)) others.add(q.segmentId());
        return new Explanation(person, own, others);
    }

    /**
     * For a person who does not qualify: per rule of the segment, the first condition without a
     * match for them, with what was found instead ({@link WhyNot}); or the budget that stopped it.
     */
    public static WhyNot.Answer whyNot(ProfileGraph graph, RuleBook book, String segment, String personId, Instant now,
                                           Duration eventRetention, Budget budget) {
        Neighbourhood n = graph.neighbourhood(List.of(personId), book.shape().depth(), now.minus(eventRetention));
        return WhyNot.explain(book, segment, n.facts(), now, personId, budget);
    }
}
