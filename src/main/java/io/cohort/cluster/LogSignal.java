package io.cohort.cluster;

import io.dropwizard.lifecycle.Managed;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL's LISTEN/NOTIFY on the ingest log: every append notifies {@value #CHANNEL} when it
 * commits ({@link IngestLog#append}), and this process's listeners (the graph feed) run at once
 * instead of at their next poll. Polling stays as the fallback (a lost connection, a missed
 * notification), only slower, so the polls can be rare: they were most of the database's load at
 * rest (docs/scale-out.md).
 */
final class LogSignal implements Managed {
    static final String CHANNEL = "cohort_ingest_log";
    private static final Logger LOG = LoggerFactory.getLogger(LogSignal.class);

    private final Jdbi jdbi;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean running;
    private Thread thread;

    LogSignal(Jdbi jdbi) { this.jdbi = jdbi; }

    /** Runs {@code r} (quickly: on the listening thread) after each notification. */
    void onAppend(Runnable r) { listeners.add(r); }

    @Override public void start() {
        running = true;
        thread = new Thread(this::listen, "cohort-log-signal");
        thread.setDaemon(true);
        thread.start();
    }

    private void listen() {
        while (running) {
            try (Handle h = jdbi.open()) {
                PGConnection pg = h.getConnection().unwrap(PGConnection.class);
                h.execute("LISTEN " + CHANNEL);
                // Whatever was appended while not listening: the polls' job, but one round now costs nothing.
                listeners.forEach(Runnable::run);
                while (running) {
                    var notes = pg.getNotifications(500);
                    if (notes != null && notes.length > 0) listeners.forEach(Runnable::run);
                }
            } catch (Exception e) {
                if (!running) return;
                LOG.warn("listening for ingest log appends failed ({}); polling meanwhile, retried in a second", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    @Override public void stop() throws InterruptedException {
        running = false;
        if (thread != null) thread.join(5_000);
    }
}
