package io.cohort.ops;

import io.cohort.engine.Evaluator;
import io.dropwizard.servlets.tasks.Task;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * POST /tasks/re-evaluate: evaluates everyone afresh with the running rules (suspended rules get
 * another chance) and writes whatever membership changes that implies (normally none). For after
 * a restore, or to prove that incremental evaluation and a fresh one agree.
 */
public final class ReevaluateTask extends Task {
    private final Evaluator evaluator;

    public ReevaluateTask(Evaluator evaluator) {
        super("re-evaluate");
        this.evaluator = evaluator;
    }

    @Override public void execute(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
        long started = System.nanoTime();
        evaluator.reevaluate().get();
        out.println("re-evaluated with rules " + evaluator.ruleBook().version() + " in "
                + (System.nanoTime() - started) / 1_000_000 + " ms; " + evaluator.stats().realized() + " memberships");
    }
}
