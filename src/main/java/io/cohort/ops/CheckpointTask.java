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
    static final String NO_FILE = "engine.snapshotFile is empty: this service keeps no graph snapshot, every start loads the store";

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

    @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

    @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
        out.println(run.call());
    }
}
