package io.cohort.destination;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the destination stage's thread pools. In the service they come from Dropwizard's
 * lifecycle ({@code environment.lifecycle().executorService(...)}): named, measured, and shut
 * down after the stage stopped; {@link #unmanaged()} is for tests and commands.
 */
@FunctionalInterface
public interface ThreadPools {

    /** A pool of exactly {@code threads} threads named {@code <name>-<n>}. */
    ExecutorService fixed(String name, int threads);

    /** Plain daemon pools; whoever asks shuts them down. */
    static ThreadPools unmanaged() {
        return (name, threads) -> {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory f = r -> {
                Thread t = new Thread(r, name + "-" + n.getAndIncrement());
                t.setDaemon(true);
                return t;
            };
            return Executors.newFixedThreadPool(threads, f);
        };
    }
}
