package io.cohort.ops;

import io.cohort.engine.Evaluator;
import io.cohort.engine.ManualClock;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * POST /tasks/clock?set=2026-12-01T00:00:00Z or ?advance=P31D — only registered when
 * engine.manualClock is true (tests and demos); moves rule time and evaluates.
 */
public final class ClockTask extends CheckedTask {
    private final ManualClock clock;
    private final Evaluator evaluator;

    public ClockTask(ManualClock clock, Evaluator evaluator) {
        super("clock");
        this.clock = clock;
        this.evaluator = evaluator;
    }

    @Override public Map<String, TaskParameters.Param> parameters() {
        return Map.of(
                "set", TaskParameters.Param.one("an ISO-8601 instant such as 2026-12-01T00:00:00Z", v -> TaskParameters.parses(v, Instant::parse)),
                "advance", TaskParameters.Param.one("an ISO-8601 duration such as P1D", v -> TaskParameters.parses(v, Duration::parse)));
    }

    @Override public void execute(Map<String, List<String>> p, PrintWriter out) throws Exception {
        if (p.containsKey("set")) clock.set(Instant.parse(p.get("set").get(0)));
        if (p.containsKey("advance")) clock.advance(Duration.parse(p.get("advance").get(0)));
        evaluator.tick();
        evaluator.awaitIdle(Duration.ofMinutes(1));
        out.println(clock.instant());
    }
}
