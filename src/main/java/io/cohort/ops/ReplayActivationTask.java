package io.cohort.ops;

import io.cohort.destination.Destinations;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * POST /tasks/replay-activation?activation=ID: sends the activation's whole current state again
 * (e.g. after someone edited the Marketo list by hand). Deliveries are idempotent.
 */
public final class ReplayActivationTask extends CheckedTask {
    private final Destinations destinations;

    public ReplayActivationTask(Destinations destinations) {
        super("replay-activation");
        this.destinations = destinations;
    }

    @Override public Map<String, TaskParameters.Param> parameters() {
        return Map.of("activation", TaskParameters.Param.one("an activation id", TaskParameters::isName));
    }

    @Override public Set<String> required() { return Set.of("activation"); }

    @Override protected void run(Map<String, List<String>> p, PrintWriter out) {
        List<String> ids = p.get("activation");
        if (ids == null || ids.isEmpty()) {
            out.println("usage: POST /tasks/replay-activation?activation=<id>; activations: "
                    + destinations.activations().stream().map(a -> a.id()).toList());
            return;
        }
        for (String id : ids) {
            try {
                out.println(id + ": " + destinations.replay(id) + " rows pending again");
            } catch (java.util.NoSuchElementException e) {
                throw TaskRefusal.notFound(id + ": " + e.getMessage() + "; activations: "
                        + destinations.activations().stream().map(a -> a.id()).sorted().toList());
            }
        }
    }
}
