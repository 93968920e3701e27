package io.cohort.ops;

import io.dropwizard.servlets.tasks.Task;
import java.util.Map;
import java.util.Set;

/**
 * An admin task of ours: it states the parameters it takes, so that {@link TaskParameters} checks
 * a request against them before the task runs, and the list lives beside the code that reads them.
 */
public abstract class CheckedTask extends Task {
    protected CheckedTask(String name) { super(name); }

    /** Parameter name → what it may hold; empty for a task that takes none. */
    public abstract Map<String, TaskParameters.Param> parameters();

    /** The parameters the task cannot do without. */
    public Set<String> required() { return Set.of(); }
}
