package io.cohort.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * engine.manualClock in cluster mode (tests and demos): one rule time for every process, kept in
 * PostgreSQL ({@code cluster_manual_clock}). Each process's own fixed clock would let a worker
 * evaluate the people the clock holder published for a closing window at a time before the window
 * closed, and keep them in. So the clock holder reads the stored time before each round and a
 * worker before each evaluation ({@link #refresh(Clock)}); in between, this process's last read
 * is its time. The clock task of any process moves it for all ({@link #set}, {@link #advance}).
 */
public final class SharedManualClock extends Clock {
    private static final Logger LOG = LoggerFactory.getLogger(SharedManualClock.class);

    private final Jdbi jdbi;
    private final String node;
    private volatile long now;

    private SharedManualClock(Jdbi jdbi, String node, long now) {
        this.jdbi = jdbi;
        this.node = node;
        this.now = now;
    }

    /**
     * The cluster's manual time: {@code configured} when this is the first process (no stored
     * time), else the stored one (a start never moves the cluster's time; the clock task does).
     */
    public static SharedManualClock join(Jdbi jdbi, String node, Instant configured) {
        long stored = jdbi.inTransaction(h -> {
            h.execute("INSERT INTO cluster_manual_clock (id, now_millis, set_by, set_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    configured.toEpochMilli(), node, System.currentTimeMillis());
            return stored(h);
        });
        if (stored != configured.toEpochMilli()) {
            LOG.info("engine.manualClock: the cluster's time is {} (set earlier by a process or the clock task); "
                    + "this process's engine.manualClockStart {} is not used", Instant.ofEpochMilli(stored), configured);
        }
        return new SharedManualClock(jdbi, node, stored);
    }

    /** Reads the cluster's time when {@code clock} is this kind of clock (a no-op for any other). */
    static void refresh(Clock clock) {
        if (clock instanceof SharedManualClock shared) shared.refresh();
    }

    void refresh() { now = jdbi.withHandle(SharedManualClock::stored); }

    private static long stored(org.jdbi.v3.core.Handle h) {
        return h.createQuery("SELECT now_millis FROM cluster_manual_clock WHERE id = 1").mapTo(Long.class).one();
    }

    /** Sets the cluster's time; returns it. */
    public Instant set(Instant to) {
        return store("now_millis = ?", to.toEpochMilli());
    }

    /** Moves the cluster's time by {@code by} from where it stands (in one statement: two tasks at once both count). */
    public Instant advance(Duration by) {
        return store("now_millis = now_millis + ?", by.toMillis());
    }

    private Instant store(String assignment, long value) {
        long stored = jdbi.withHandle(h -> h.createQuery("UPDATE cluster_manual_clock SET " + assignment + ", set_by = ?, set_at = ? "
                + "WHERE id = 1 RETURNING now_millis").bind(0, value).bind(1, node).bind(2, System.currentTimeMillis())
                .mapTo(Long.class).one());
        now = stored;
        return Instant.ofEpochMilli(stored);
    }

    @Override public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override public Clock withZone(ZoneId zone) { return this; }

    @Override public Instant instant() { return Instant.ofEpochMilli(now); }

    @Override public long millis() { return now; }
}
