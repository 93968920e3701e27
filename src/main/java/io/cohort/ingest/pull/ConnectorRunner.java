package io.cohort.ingest.pull;

import io.cohort.ingest.pull.SyncStatusView.ErrorView;
import io.cohort.ingest.pull.SyncStatusView.StreamView;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one connector's streams: the incremental streams on one thread, the backfills on another,
 * so a long backfill of a new source never holds up its changes (the two share the vendor's call
 * budget, see io.cohort.vendor.CallLimits). Each stream has its own schedule and back-off: a stream
 * that fails does not stop the others.
 *
 * <p>Lifecycle: 1. built with its connector; 2. {@link #start()} starts both threads, which run
 * every stream due now; 3. caught-up streams run again after {@code pollInterval},
 * failing ones after a back-off (doubling up to {@code maxBackoff}, or what the vendor asked
 * for), quota-blocked ones after the reset; 4. {@link #syncNow()} and {@link #rebackfill} wake
 * them early; 5. {@link #stop()} lets each thread finish its step (up to 5 s), then interrupts
 * it inside the step — every step commits atomically, so nothing half-done remains.
 */
public final class ConnectorRunner implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRunner.class);
    private static final int STEPS_PER_TURN = 20;

    private final Connector connector;
    private final PullSettings settings;
    private final Clock clock;
    private final Lane incremental;
    private final Lane backfill;

    /** Stops wait this long for a lane to finish its step before interrupting it (a stop mid-commit would close H2's file). */
    private static final long GRACE_MS = 5_000;

    private final PullThreads threads;

    public ConnectorRunner(Connector connector, PullSettings settings, Clock clock) {
        this(connector, settings, clock, PullThreads.plain());
    }

    /** @param threads where the two lanes' threads come from (the service's lifecycle) */
    public ConnectorRunner(Connector connector, PullSettings settings, Clock clock, PullThreads threads) {
        this.connector = connector;
        this.settings = settings;
        this.clock = clock;
        this.threads = threads;
        this.incremental = new Lane("sync", connector.streams().stream().filter(s -> s.kind() == SyncStream.Kind.INCREMENTAL).toList());
        this.backfill = new Lane("backfill", connector.streams().stream().filter(s -> s.kind() == SyncStream.Kind.BACKFILL).toList());
    }

    public Connector connector() { return connector; }

    public PullSettings settings() { return settings; }

    @Override public void start() {
        if (!settings.isEnabled()) {
            LOG.info("source {}: pull is disabled (pull.enabled: false)", connector.sourceId());
            connector.streams().forEach(s -> s.status().state("disabled"));
            return;
        }
        incremental.start();
        backfill.start();
    }

    @Override public void stop() throws InterruptedException {
        incremental.stop();
        backfill.stop();
    }

    /** Runs every incremental stream now (admin task). */
    public void syncNow() { incremental.wakeAll(); }

    /**
     * Starts every backfill over from {@code from} (null: the configured startDate), beside the
     * incremental sync.
     */
    public void rebackfill(Instant from) { backfill.restartAll(from); }

    /** The operator's view. */
    public SyncStatusView status() {
        List<StreamView> streams = connector.streams().stream().map(s -> s.status().view()).toList();
        List<StreamStatus> inc = incremental.streams.stream().map(SyncStream::status).toList();
        // When every incremental stream had caught up at least once since then: the oldest of them.
        Instant lastSync = inc.isEmpty() || inc.stream().anyMatch(x -> x.lastSuccess() == null) ? null
                : inc.stream().map(StreamStatus::lastSuccess).min(Comparator.naturalOrder()).orElse(null);
        Instant oldest = inc.stream().map(StreamStatus::currentToTime).filter(Objects::nonNull)
                .min(Comparator.naturalOrder()).orElse(null);
        Long lag = oldest == null ? null : Math.max(0, Duration.between(oldest, clock.instant()).toSeconds());
        ErrorView err = connector.streams().stream().map(s -> s.status().lastError()).filter(Objects::nonNull)
                .max(Comparator.comparing(ErrorView::at)).orElse(null);
        long records = connector.streams().stream().mapToLong(s -> s.status().records()).sum();
        long rejected = connector.streams().stream().mapToLong(s -> s.status().rejectedCount()).sum();
        String state = !settings.isEnabled() ? "disabled" : err != null ? "failing" : "ok";
        return new SyncStatusView(connector.sourceId(), connector.type(), state, lastSync, lag, records, rejected,
                connector.apiCalls(), connector.quota(), err, streams, null, null);
    }

    /** One thread and the streams it runs, each on its own schedule. */
    private final class Lane {
        private final String name;
        private final List<SyncStream> streams;
        private final Map<SyncStream, Integer> failures = new ConcurrentHashMap<>();
        private final Map<SyncStream, Instant> due = new ConcurrentHashMap<>();
        private final Map<SyncStream, Boolean> done = new ConcurrentHashMap<>();
        private final Map<SyncStream, Instant> restartFrom = new ConcurrentHashMap<>();
        private final Object wake = new Object();
        private volatile boolean running;
        private boolean woken; // guarded by wake
        private final ExecutorService pool;
        private java.util.concurrent.Future<?> task;
        private volatile Thread thread;

        Lane(String name, List<SyncStream> streams) {
            this.name = name;
            this.streams = List.copyOf(streams);
            // Made now, while the service is wired: the lifecycle then stops the pool after the runner.
            this.pool = streams.isEmpty() ? null : threads.single("cohort-" + name + "-" + connector.sourceId());
        }

        void start() {
            if (streams.isEmpty()) return;
            Instant now = clock.instant();
            streams.forEach(s -> due.put(s, now));
            running = true;
            task = pool.submit(() -> {
                thread = Thread.currentThread();
                loop();
            });
        }

        void stop() throws InterruptedException {
            running = false;
            if (task == null) return;
            wake();
            long t0 = System.nanoTime();
            if (!finished(GRACE_MS)) {
                Thread t = thread;
                Exception where = new Exception("stack of " + (t == null ? name : t.getName()));
                if (t != null) where.setStackTrace(t.getStackTrace());
                LOG.warn("source {}: the {} thread is still in a step after {} ms; interrupting it", connector.sourceId(),
                        name, GRACE_MS, where);
                task.cancel(true);
                finished(30_000);
            }
            LOG.debug("source {}: the {} thread stopped in {} ms", connector.sourceId(), name, (System.nanoTime() - t0) / 1_000_000);
        }

        private boolean finished(long ms) throws InterruptedException {
            try {
                task.get(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (java.util.concurrent.CancellationException | java.util.concurrent.ExecutionException e) {
                return true;
            }
        }

        void wakeAll() {
            Instant now = clock.instant();
            streams.forEach(s -> {
                if (!done.containsKey(s)) due.put(s, now);
            });
            wake();
        }

        void restartAll(Instant from) {
            Instant now = clock.instant();
            streams.forEach(s -> {
                // Applied by the lane's own thread between steps; null means "the configured start".
                restartFrom.put(s, from == null ? Instant.MIN : from);
                done.remove(s);
                due.put(s, now);
            });
            wake();
        }

        private void wake() {
            synchronized (wake) {
                woken = true;
                wake.notifyAll();
            }
        }

        private void loop() {
            while (running) {
                for (SyncStream s : streams) {
                    if (!running) return;
                    Instant from = restartFrom.remove(s);
                    if (from != null) {
                        s.restart(from.equals(Instant.MIN) ? null : from);
                        failures.remove(s);
                    }
                    if (done.containsKey(s) || due.getOrDefault(s, Instant.MAX).isAfter(clock.instant())) continue;
                    try {
                        runOne(s);
                    } catch (InterruptedException e) {
                        if (!running) return;
                        Thread.interrupted(); // woken, not stopped
                    }
                }
                Instant next = streams.stream().filter(s -> !done.containsKey(s)).map(s -> due.getOrDefault(s, Instant.MAX))
                        .min(Comparator.naturalOrder()).orElse(Instant.MAX);
                long waitMs = next.equals(Instant.MAX) ? 60_000 : Math.max(0, Duration.between(clock.instant(), next).toMillis());
                synchronized (wake) {
                    try {
                        if (!woken && waitMs > 0) wake.wait(Math.min(waitMs, 60_000));
                    } catch (InterruptedException e) {
                        if (!running) return;
                    }
                    woken = false;
                }
            }
        }

        /** Steps the stream until it is caught up, done or fails; sets when it runs next. */
        private void runOne(SyncStream s) throws InterruptedException {
            StreamStatus st = s.status();
            st.state("running");
            try {
                int steps = 0;
                while (running) {
                    st.stepStarted(); // a failed step's set-asides were not counted: its page is mapped again
                    SyncStream.Step step = s.step();
                    failures.remove(s);
                    if (step == SyncStream.Step.MORE) {
                        if (!restartFrom.isEmpty()) break; // a re-backfill was asked for: apply it first
                        // Turns: a long backlog (or a queued export) of one stream must not starve the others.
                        if (++steps >= STEPS_PER_TURN && streams.size() > 1) break;
                        continue;
                    }
                    Instant now = clock.instant();
                    st.succeeded(now);
                    if (step == SyncStream.Step.DONE) {
                        done.put(s, true);
                        st.state("done");
                        st.nextRunAt(null);
                    } else {
                        schedule(s, now.plus(settings.poll()), "idle");
                    }
                    return;
                }
                schedule(s, clock.instant(), "idle");
            } catch (PullException.QuotaExhausted e) {
                st.failed(clock.instant(), e.getMessage());
                LOG.warn("source {} {}: {}; waiting until {}", connector.sourceId(), s.name(), e.getMessage(), e.until());
                schedule(s, e.until(), "quota exhausted");
            } catch (PullException.Transient e) {
                backOff(s, e.getMessage(), e.retryAfter(), false);
            } catch (PullException e) { // Fatal
                backOff(s, e.getMessage(), null, true);
            } catch (InterruptedException e) {
                schedule(s, clock.instant(), "idle");
                throw e;
            } catch (RuntimeException e) {
                LOG.error("source {} {}: unexpected failure", connector.sourceId(), s.name(), e);
                backOff(s, e.toString(), null, true);
            }
        }

        private void backOff(SyncStream s, String message, Duration asked, boolean fatal) {
            int n = failures.merge(s, 1, Integer::sum);
            long maxMs = settings.getMaxBackoff().toMilliseconds();
            long ms = fatal ? maxMs : Math.min(maxMs, 1_000L << Math.min(20, n - 1));
            ms = ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1); // jitter: instances sharing a vendor spread out
            if (asked != null) ms = Math.max(ms, Math.min(asked.toMillis(), Math.max(maxMs, asked.toMillis())));
            Instant at = clock.instant().plusMillis(ms);
            s.status().failed(clock.instant(), message);
            (n == 1 || n % 10 == 0 || fatal ? (java.util.function.BiConsumer<String, Object[]>) LOG::warn
                    : (java.util.function.BiConsumer<String, Object[]>) LOG::debug)
                    .accept("source {} {}: {} (failure {}, retrying in {} ms)",
                            new Object[] {connector.sourceId(), s.name(), message, n, ms});
            schedule(s, at, fatal ? "failing" : "backing off");
        }

        private void schedule(SyncStream s, Instant at, String state) {
            due.put(s, at);
            s.status().nextRunAt(at);
            s.status().state(state);
        }
    }

    /** For tests: the streams of both lanes. */
    List<SyncStream> allStreams() {
        List<SyncStream> all = new ArrayList<>(incremental.streams);
        all.addAll(backfill.streams);
        return all;
    }
}
