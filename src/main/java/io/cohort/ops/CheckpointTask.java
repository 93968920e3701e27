package io.cohort.ops;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * POST /tasks/checkpoint: writes the graph snapshot now (engine.snapshotFile), so that a crash
 * from here on restarts from it, e.g. before maintenance of the machine. Ingestion goes on meanwhile.
 */
public final class CheckpointTask extends CheckedTask {
    private final Optional<Checkpoints> checkpoints;

    public CheckpointTask(Optional<Checkpoints> checkpoints) {
        super("checkpoint");
        this.checkpoints = checkpoints;
    }

    @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

    @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
        Checkpoints c = checkpoints.orElseThrow(() -> TaskRefusal.conflict(
                "engine.snapshotFile is empty: this service keeps no graph snapshot, every start loads the store"));
        out.println(c.writeNow().line(c.file()));
    }
}
