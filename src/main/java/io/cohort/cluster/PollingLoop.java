package io.cohort.cluster;

import io.dropwizard.lifecycle.Managed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A daemon thread that runs a step every {@code pollMillis}; a failing step is logged and retried after a second. */
final class PollingLoop implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(PollingLoop.class);

    private final String name;
    private final long pollMillis;
    private final Runnable step;
    private volatile boolean running;
    private Thread thread;

    PollingLoop(String name, long pollMillis, Runnable step) {
        this.name = name;
        this.pollMillis = pollMillis;
        this.step = step;
    }

    @Override public void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    try {
                        step.run();
                        Thread.sleep(pollMillis);
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

    @Override public void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
