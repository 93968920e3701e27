package io.cohort.engine;

import java.util.concurrent.Future;

/**
 * What a compiled rule set is applied to: the {@link Evaluator} of a single process, or in cluster
 * mode the whole cluster. The future completes when the rules serve; it fails when they could not
 * be applied (then the running rules keep serving).
 */
public interface RuleTarget {
    Future<?> reload(RuleBook next);
}
