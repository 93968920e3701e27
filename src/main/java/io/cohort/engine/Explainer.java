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
 * the matches that justify the qualification; when not qualified, which condition fails
 * ({@link WhyNot}); and last the other segments the person is in. The runs share one
 * {@link Allowance}: one deadline and one allocation limit for the whole explanation, spent in the
 * order of what the analyst asked, so the other segments are what is left out when it runs short.
 */
public final class Explainer {
    /**
     * @param person    the person's unified fact, empty when no record has the id
     * @param result    the evaluation with its justifications
     * @param whyNot    when the evaluation finished and the person does not qualify: which condition fails; else null
     * @param others    the other segments the person qualifies for in the same evaluation; null when
     *                  that evaluation did not finish (the explanation's budget spent, a rule that threw)
     */
    public record Explanation(Optional<Person> person, OneShot.Result result, WhyNot.Answer whyNot, Set<String> others) {
        public boolean qualified(String segment, String personId) { return result.qualified().contains(new Qualified(segment, personId)); }
    }

    private Explainer() {}

    public static Explanation explain(ProfileGraph graph, RuleBook book, String segment, String personId, Instant now,
                                      Duration eventRetention, Budget budget) {
        return explain(graph, book, segment, personId, now, eventRetention, new Allowance(budget));
    }

    /** The same, spending {@code allowance}, started when the request was. */
    public static Explanation explain(ProfileGraph graph, RuleBook book, String segment, String personId, Instant now,
                                      Duration eventRetention, Allowance allowance) {
        Neighbourhood n = graph.neighbourhood(List.of(personId), book.shape().depth(), now.minus(eventRetention));
        Optional<Person> person = n.persons().stream().filter(p -> p.id().equals(personId)).findFirst();
        OneShot.Result own = OneShot.run(book.kieBaseOf(new RuleState(book).closure(Set.of(segment))), book, n.facts(), new Now(now),
                true, allowance);
        WhyNot.Answer whyNot = !own.ok() || own.qualified().contains(new Qualified(segment, personId)) ? null
                : WhyNot.explain(book, segment, n.facts(), now, personId, allowance);
        OneShot.Result all = OneShot.run(book.kieBase(), book, n.facts(), new Now(now), false, allowance);
        Set<String> others = null;
        if (all.ok()) {
            others = new java.util.TreeSet<>();
            for (Qualified q : all.qualified()) if (q.personId().equals(personId) && !q.segmentId().equals(segment)) others.add(q.segmentId());
        }
        return new Explanation(person, own, whyNot, others);
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
