package io.cohort.ops;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * POST /tasks/checkpoint: writes the graph snapshot now (engine.snapshotFile), so that a crash
 * from here on restarts from it, e.g. before maintenance of the machine. Ingestion goes on meanwhile.
 */
public final class CheckpointTask extends CheckedTask {
    static final String NO_FILE = "engine.snapshotFile is empty: this process keeps no graph snapshot, every start loads the store or the log";

    private final Callable<String> run;

    /** @param run writes it and says what was done (or throws a {@link TaskRefusal}) */
    public CheckpointTask(Callable<String> run) {
        super("checkpoint");
        this.run = run;
    }

    /** Single mode: the service's {@link Checkpoints}, none without a snapshot file. */
    public static CheckpointTask of(Optional<Checkpoints> checkpoints) {
        return new CheckpointTask(() -> {
            Checkpoints c = checkpoints.orElseThrow(() -> TaskRefusal.conflict(NO_FILE));
            return c.writeNow().line(c.file());
        });
    }

    /**
     * Cluster mode: the node's own snapshot ({@code write} says what it did; empty when it could
     * not: no snapshot file, or the node does not follow the log yet).
     */
    public static CheckpointTask ofNode(java.util.function.Supplier<Optional<String>> write, boolean snapshotFile) {
        return new CheckpointTask(() -> write.get().orElseThrow(() -> snapshotFile
                ? TaskRefusal.unavailable("the node is starting or stopping: its graph does not follow the log yet")
                : TaskRefusal.conflict(NO_FILE)));
    }

    @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

    @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
        out.println(run.call());
    }
}
