package io.cohort.engine;

import io.cohort.identity.ProfileGraph;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The engine's unit of work (one {@link Evaluation}) for the gate benchmark, which lives beside the
 * data generator: what a round does for one chunk of people, nothing of the coordinator around it.
 */
public final class EvaluationProbe {
    private final Evaluation evaluation;
    private final Set<String> segments;
    private final ProfileGraph graph;
    private final int depth;

    public EvaluationProbe(ProfileGraph graph, RuleBook book, Instant now, boolean pooled) {
        this.graph = graph;
        this.depth = book.shape().depth();
        RuleState state = new RuleState(book);
        this.segments = book.segments().keySet();
        this.evaluation = new Evaluation(graph, state, now, now.minus(Duration.ofDays(90)), Budget.DEFAULT, issue -> {
            throw new IllegalStateException("a rule failed in the benchmark: " + issue);
        }, pooled, null);
    }

    /** How many facts one person's neighbourhood holds: what a session of theirs is given. */
    public int facts(String person) {
        return graph.neighbourhood(List.of(person), depth, Instant.EPOCH).facts().size();
    }

    /** Evaluates these people for every segment; returns how many memberships they hold. */
    public int evaluate(List<String> people) {
        Evaluation.Result r = evaluation.run(people, segments);
        int n = 0;
        for (Set<String> s : r.qualified().values()) n += s.size();
        return n;
    }
}
