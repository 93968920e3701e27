package io.cohort.engine;

import io.cohort.identity.Neighbourhood;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
     * @param undecided the segments whose rules spent a budget evaluated on their own, or that
     *                  named no rule: {@code others} cannot speak for them
     * @param issues    when the segments evaluated together spent a budget: the rule whose segment
     *                  spends it alone, or the segments that spent it together
     */
    public record Explanation(Optional<Person> person, OneShot.Result result, WhyNot.Answer whyNot, Set<String> others,
                              Set<String> undecided, List<RuntimeIssue> issues) {
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
        if (all.ok()) return new Explanation(person, own, whyNot, othersOf(all.qualified(), segment, personId), Set.of(), List.of());
        // A run not started (the runs before spent the time) or a rule that threw: nothing to weigh.
        if (!own.ok() || all.failure().kind() == OneShot.Failure.Kind.EXCEPTION || all.failure().rule() == null
                || book.segments().size() < 2) {
            return new Explanation(person, own, whyNot, null, Set.of(), List.of());
        }
        // The budget is noticed wherever a check comes next, often in another segment's rule: each
        // segment on its own with the same budget says whose rule spends it, or that they spend it
        // only together. Runs start for one more budget's time (the last may then take its whole
        // budget) and the rest are undecided: with a budget each and no bound, an explanation held
        // its request for up to (segments + 1) × engine.previewTimeout. The explained segment is
        // not one of them: its own run above finished.
        List<RuntimeIssue> issues = new ArrayList<>();
        long stopStarting = System.nanoTime() + allowance.budget().maxNanos();
        Evaluation.Result apart = Evaluation.oneShot(graph, new RuleState(book), now, now.minus(eventRetention),
                allowance.budget().flat(), issues::add, null).apart(n, book.segments().keySet(), all.failure().kind(), stopStarting,
                all.failure().rule(), Set.of(segment));
        Set<String> qualified = new TreeSet<>(apart.qualified().getOrDefault(personId, Set.of()));
        Set<String> undecided = new TreeSet<>(book.segments().keySet());
        undecided.removeAll(apart.evaluated());
        undecided.remove(segment);
        return new Explanation(person, own, whyNot, othersOf(qualified.stream().map(s -> new Qualified(s, personId)).toList(),
                segment, personId), undecided, List.copyOf(issues));
    }

    private static Set<String> othersOf(Collection<Qualified> qualified, String segment, String personId) {
        Set<String> others = new TreeSet<>();
        for (Qualified q : qualified) if (q.personId().equals(personId) && !q.segmentId().equals(segment)) others.add(q.segmentId());
        return others;
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
