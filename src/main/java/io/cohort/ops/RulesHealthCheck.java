package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.engine.RuleService;

/** Unhealthy while the rule files on disk do not compile (the previous rules keep serving). */
public final class RulesHealthCheck extends HealthCheck {
    private final RuleService rules;

    public RulesHealthCheck(RuleService rules) {
        this.rules = rules;
    }

    @Override protected Result check() {
        var s = rules.status();
        if (s.lastReloadFailed()) {
            return Result.unhealthy("rule files do not compile; still serving " + s.activeVersion() + ": "
                    + s.messages().stream().filter(m -> m.level().name().equals("ERROR")).findFirst()
                    .map(Object::toString).orElse("?"));
        }
        return Result.healthy("rules " + s.activeVersion() + " (" + s.files().size() + " files)");
    }
}
