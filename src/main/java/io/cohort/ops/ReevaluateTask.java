package io.cohort.ops;

import io.cohort.engine.Evaluator;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * POST /tasks/re-evaluate: evaluates everyone afresh with the running rules (suspended rules get
 * another chance) and writes whatever membership changes that implies (normally none). For after
 * a restore, or to prove that incremental evaluation and a fresh one agree. In cluster mode the
 * work is published for the workers and the task answers at once.
 */
public final class ReevaluateTask extends CheckedTask {
    private final Callable<String> run;

    /** @param run does the work and says what was done */
    public ReevaluateTask(Callable<String> run) {
        super("re-evaluate");
        this.run = run;
    }

    /** Single mode: waits for the evaluator's round. */
    public static ReevaluateTask of(Evaluator evaluator) {
        return new ReevaluateTask(() -> {
            if (evaluator.ruleBook() == null) {
                throw TaskRefusal.unavailable("the service is starting: nothing is evaluated until it is ready (health check 'startup')");
            }
            long started = System.nanoTime();
            evaluator.reevaluate().get();
            return "re-evaluated with rules " + evaluator.ruleBook().version() + " in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms; " + evaluator.stats().realized() + " memberships";
        });
    }

    @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

    @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
        out.println(run.call());
    }
}
