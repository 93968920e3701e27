package io.cohort.ops;

import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * POST /tasks/clock?set=2026-12-01T00:00:00Z or ?advance=P31D — only registered when
 * engine.manualClock is true (tests and demos); moves rule time, waits until the audiences are at
 * that time, and answers the new time.
 */
public final class ClockTask extends CheckedTask {
    /** Moves the time (a set, then an advance, either or both absent) and waits; returns the new time. */
    public interface Mover {
        Instant move(Optional<Instant> set, Optional<Duration> advance) throws Exception;
    }

    /**
     * Rule time stays within these years, and one move within a century either way: an instant the
     * parser takes (up to year 1,000,000,000) can be beyond what a clock's millis hold, and every
     * evaluation after it failed until the time was set back.
     */
    private static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
    private static final Duration LONGEST_MOVE = Duration.ofDays(36_525);

    private final Mover mover;

    public ClockTask(Mover mover) {
        super("clock");
        this.mover = mover;
    }

    /** Single mode: this process's clock, then a tick of its evaluator. */
    public static ClockTask of(ManualClock clock, Evaluator evaluator) {
        return new ClockTask((set, advance) -> {
            set.ifPresent(clock::set);
            advance.ifPresent(clock::advance);
            evaluator.tick();
            try {
                evaluator.awaitIdle(Duration.ofMinutes(1));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new java.util.concurrent.TimeoutException("the time is " + clock.instant()
                        + ", but its evaluation did not finish within PT1M (it goes on)");
            }
            return clock.instant();
        });
    }

    @Override public Map<String, TaskParameters.Param> parameters() {
        return Map.of(
                "set", TaskParameters.Param.one("an ISO-8601 instant from 1900 to 9999 such as 2026-12-01T00:00:00Z",
                        v -> TaskParameters.parses(v, Instant::parse) && !Instant.parse(v).isBefore(EARLIEST) && !Instant.parse(v).isAfter(LATEST)),
                "advance", TaskParameters.Param.one("an ISO-8601 duration of at most a century either way such as P1D",
                        v -> TaskParameters.parses(v, Duration::parse) && Duration.parse(v).abs().compareTo(LONGEST_MOVE) <= 0));
    }

    @Override protected void run(Map<String, List<String>> p, PrintWriter out) throws Exception {
        Optional<Instant> set = Optional.ofNullable(p.get("set")).map(v -> Instant.parse(v.get(0)));
        Optional<Duration> advance = Optional.ofNullable(p.get("advance")).map(v -> Duration.parse(v.get(0)));
        try {
            out.println(mover.move(set, advance));
        } catch (java.util.concurrent.TimeoutException e) {
            // The time has moved; the audiences are not there yet. Asking again with no parameter waits again.
            throw TaskRefusal.unavailable(e.getMessage());
        }
    }
}
