package io.cohort.engine;

import io.cohort.identity.ProfileGraph;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates some people, each with their neighbourhood, exactly as the {@link Evaluator} does
 * ({@link Evaluation}: throw-away sessions, faulty rules isolated or suspended), and keeps no
 * state: the entry point of cluster workers (io.cohort.cluster), which hold no memberships in
 * memory and compare with the stored ones instead.
 */
public final class PeopleEvaluation {
    /**
     * @param qualified per subject with a record, the evaluated segments they qualify for; a subject
     *                  missing here has no record any more and qualifies for nothing
     * @param evaluated the segments this outcome speaks for (a suspended rule's segments are held)
     * @param people    the subjects with a record, as the audience stage needs them
     */
    public record Outcome(Map<String, Set<String>> qualified, Set<String> evaluated, Map<String, PersonSnapshot> people) {}

    private PeopleEvaluation() {}

    public static Outcome run(ProfileGraph graph, RuleState state, Collection<String> subjects, Instant now,
                              Duration eventRetention, Budget budget) {
        return run(graph, state, subjects, state.book().segments().keySet(), now, eventRetention, budget, issue -> {}, false);
    }

    /**
     * As {@link #run(ProfileGraph, RuleState, Collection, Instant, Duration, Budget)}, for {@code segments} of the rule
     * set only, telling {@code issues} what the rules did wrong (on this thread).
     *
     * @param ownConditionsFirst for some segments only (a rule edit's or the clock's work), try those
     *                           segments' conditions on each person alone first (engine.ownConditionsFirst)
     */
    public static Outcome run(ProfileGraph graph, RuleState state, Collection<String> subjects, Set<String> segments,
                              Instant now, Duration eventRetention, Budget budget, java.util.function.Consumer<RuntimeIssue> issues,
                              boolean ownConditionsFirst) {
        Set<String> requested = new TreeSet<>(segments);
        requested.retainAll(state.book().segments().keySet());
        if (subjects.isEmpty() || requested.isEmpty()) return new Outcome(Map.of(), requested, Map.of());
        // Work for every segment is ingest's: a few people each time, evaluated whole.
        Candidates candidates = ownConditionsFirst && !requested.containsAll(state.book().segments().keySet())
                ? state.book().candidatesOf(requested).orElse(null) : null;
        Evaluation ev = new Evaluation(graph, state, now, now.minus(eventRetention), budget, issues, false, candidates);
        Evaluation.Result r = ev.run(subjects, requested);
        Map<String, Set<String>> qualified = new HashMap<>();
        r.qualified().forEach((p, s) -> qualified.put(p, new TreeSet<>(s)));
        return new Outcome(qualified, r.evaluated(), r.people());
    }
}
