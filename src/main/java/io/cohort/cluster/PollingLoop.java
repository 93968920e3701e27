package io.cohort.cluster;

import io.dropwizard.lifecycle.Managed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that runs a step every {@code pollMillis}, or at once when woken ({@link #wake});
 * a failing step is logged and retried after a second.
 */
final class PollingLoop implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(PollingLoop.class);

    private final String name;
    private final long pollMillis;
    private final Runnable step;
    private volatile boolean running;
    private Thread thread;
    /** Wake-ups asked for since the last round (news arrived): the next round starts at once. */
    private final java.util.concurrent.Semaphore wakeups = new java.util.concurrent.Semaphore(0);

    private final long minGapMillis;

    PollingLoop(String name, long pollMillis, Runnable step) { this(name, pollMillis, 0, step); }

    /**
     * @param minGapMillis rounds start at least this far apart even when woken: under a stream of
     *                     wake-ups one round takes several of them (fewer transactions per batch)
     */
    PollingLoop(String name, long pollMillis, long minGapMillis, Runnable step) {
        this.name = name;
        this.pollMillis = pollMillis;
        this.minGapMillis = minGapMillis;
        this.step = step;
    }

    @Override public void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    try {
                        step.run();
                        if (minGapMillis > 0) Thread.sleep(minGapMillis);
                        if (wakeups.tryAcquire(Math.max(0, pollMillis - minGapMillis), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                            wakeups.drainPermits();
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("{} failed, retried in a second: {}", name, e.toString());
                        Thread.sleep(1000);
                    } catch (Error e) {
                        // Never a silent death: a stopped feed or relay would stall the whole cluster's work.
                        LOG.error("{} failed, retried in a second", name, e);
                        Thread.sleep(1000);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    boolean running() { return running; }

    /** Runs the next round now instead of after the poll interval (one more round if one is running). */
    void wake() { wakeups.release(); }

    @Override public void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
