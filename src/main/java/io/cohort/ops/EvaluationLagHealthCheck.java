package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.engine.EngineStats;

/** Unhealthy when accepted data has waited longer than the threshold to be evaluated. */
public final class EvaluationLagHealthCheck extends HealthCheck {
    private final EngineStats stats;
    private final long maxLagMillis;

    public EvaluationLagHealthCheck(EngineStats stats, long maxLagMillis) {
        this.stats = stats;
        this.maxLagMillis = maxLagMillis;
    }

    @Override protected Result check() {
        long lag = stats.lagMillis();
        String issues = stats.issues().isEmpty() ? "" : "; " + stats.issues().size() + " recent rule run-time issues (GET /v1/rules)";
        return lag > maxLagMillis
                ? Result.unhealthy("evaluation lag " + lag + " ms > " + maxLagMillis + " ms" + issues)
                : Result.healthy("evaluation lag " + lag + " ms, last round " + stats.lastRoundMillis() + " ms" + issues);
    }
}
