package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.analyst.Workbench;
import io.cohort.destination.Destinations;
import io.cohort.engine.Evaluator;
import io.cohort.ingest.pull.Connectors;
import io.cohort.ops.Startup;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.lifecycle.JettyManaged;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running app's lifecycle stops in the reverse order {@code Wiring} registers, and that order
 * carries the service's guarantees on a clean stop: the connectors stop before start-up writes
 * the graph snapshot (so it holds their last batches), the dispatchers and the evaluator finish
 * their last steps, and the connection pool (H2) closes last.
 */
class StopOrderIT {
    @TempDir Path tmp;

    @Test
    void theStagesStopBeforeWhatTheyWriteToAndTheDatabaseClosesLast() throws Exception {
        try (CohortApp app = new CohortApp(tmp).start()) {
            List<Object> managed = app.environment().lifecycle().getManagedObjects().stream()
                    .map(l -> l instanceof JettyManaged j ? (Object) j.getManaged() : l).toList();

            // The pool before every stage (stopped after them all: each writes to the database until it has stopped).
            assertThat(List.of(index(managed, ManagedDataSource.class), index(managed, Evaluator.class),
                    index(managed, Destinations.class), index(managed, Startup.class), index(managed, Connectors.class),
                    index(managed, Workbench.class)))
                    .as("registration order of the database pool, evaluator, destinations, start-up, connectors, workbench")
                    .isSorted();
        }
    }

    private static int index(List<Object> managed, Class<?> type) {
        List<Integer> at = java.util.stream.IntStream.range(0, managed.size()).filter(i -> type.isInstance(managed.get(i))).boxed().toList();
        assertThat(at).as("one %s managed", type.getSimpleName()).hasSize(1);
        return at.get(0);
    }
}
