package io.cohort.ops;

import io.dropwizard.servlets.tasks.Task;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An admin task of ours: it states the parameters it takes, so that {@link TaskParameters} checks
 * a request against them before the task runs, and the list lives beside the code that reads them.
 * A task that cannot do what was asked throws a {@link TaskRefusal}, which the filter answers with
 * its status and a JSON body.
 */
public abstract class CheckedTask extends Task {
    /**
     * The refusal of the task that ran on this thread: the task servlet runs inside the filter's
     * call, on its thread, and would answer an exception with a 500 and a stack trace.
     */
    private static final ThreadLocal<TaskRefusal> REFUSED = new ThreadLocal<>();

    protected CheckedTask(String name) { super(name); }

    /** Parameter name → what it may hold; empty for a task that takes none. */
    public abstract Map<String, TaskParameters.Param> parameters();

    /** The parameters the task cannot do without. */
    public Set<String> required() { return Set.of(); }

    /** Does the work, writing what it did to {@code out}; throws {@link TaskRefusal} when it cannot. */
    protected abstract void run(Map<String, List<String>> parameters, PrintWriter out) throws Exception;

    @Override public final void execute(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
        try {
            run(parameters, out);
        } catch (TaskRefusal r) {
            REFUSED.set(r);
        }
    }

    /** The refusal of the last task run on this thread, if any, cleared. */
    static TaskRefusal takeRefusal() {
        TaskRefusal r = REFUSED.get();
        REFUSED.remove();
        return r;
    }
}
