package io.cohort.ops;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * POST /tasks/apply-activations (cluster mode): makes the activations of this process's
 * config.yml the cluster's, the set every worker writes outbox rows for. A process started with
 * another list only warns (its workers keep writing the cluster's set), so that a forgotten edit
 * on one machine never drops or adds an activation for everyone; this is the deliberate change.
 */
public final class ApplyActivationsTask extends CheckedTask {
    private final Supplier<String> apply;

    /** @param apply applies and says what changed */
    public ApplyActivationsTask(Supplier<String> apply) {
        super("apply-activations");
        this.apply = apply;
    }

    @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

    @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) {
        out.println(apply.get());
    }
}
