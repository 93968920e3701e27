package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopped application can be collected, so that one started after it in the same JVM does not
 * run beside its whole profile graph: the benchmark restarts the service in-process, and its 1M
 * phases ran with a stopped 3.8 GB service still live (Dropwizard's shared registries and the
 * metrics appender it leaves on the root logger reach our gauges and health checks).
 */
class StoppedAppReleasedIT {
    @TempDir Path first;
    @TempDir Path second;

    @Test
    void aStoppedServiceIsCollectableBeforeAndAfterAnotherOne() throws Exception {
        assertThat(startStopAndWatch(first)).as("the first application of the JVM").isTrue();
        assertThat(startStopAndWatch(second)).as("a later one").isTrue();
    }

    /** True when the stopped application's profile graph is collected. */
    private static boolean startStopAndWatch(Path dir) throws Exception {
        WeakReference<Object> graph;
        try (CohortApp app = new CohortApp(dir).start()) {
            graph = new WeakReference<>(app.app().services().graph());
        }
        for (int i = 0; i < 20 && graph.get() != null; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return graph.get() == null;
    }
}
