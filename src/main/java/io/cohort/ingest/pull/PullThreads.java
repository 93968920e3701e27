package io.cohort.ingest.pull;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Makes the one-thread pools the connectors' lanes run on. In the service they come from
 * Dropwizard's lifecycle ({@code environment.lifecycle().executorService(...)}): named, measured,
 * and shut down after the connectors stopped; {@link #plain()} is for tests.
 */
@FunctionalInterface
public interface PullThreads {

    /** A pool of one thread named {@code name}. */
    ExecutorService single(String name);

    /** Daemon threads; whoever asks shuts the pool down. */
    static PullThreads plain() {
        return name -> Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
