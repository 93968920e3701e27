package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;

/**
 * Readiness of the rules: unhealthy only while no rule set is loaded at all. Rule files that do
 * not compile after an edit are an analyst's typo, not an outage: the last good rules keep serving
 * correct audiences, so the check stays healthy and says so with a WARNING (details
 * {@code lastReloadFailed}, {@code errors}). Failing it took every replica out of the load balancer
 * at once while all of them still served correctly. The failure also shows in {@code GET /v1/rules},
 * the metrics {@code cohort.rules.lastReloadFailed} and {@code cohort.rules.failedLoads}, and the log.
 */
public final class RulesHealthCheck extends HealthCheck {
    private final RuleService rules;

    public RulesHealthCheck(RuleService rules) {
        this.rules = rules;
    }

    @Override protected Result check() {
        var s = rules.status();
        if (s == null || s.activeVersion() == null) return Result.unhealthy("no rule set is loaded");
        if (s.lastReloadFailed()) {
            var errors = s.messages().stream().filter(m -> m.level() == RuleMessage.Level.ERROR).toList();
            // Files that compiled but could not be applied (the store away; tried again) are not a typo.
            var notApplied = errors.stream().filter(m -> RuleService.NOT_APPLIED.equals(m.file())).findFirst();
            String what = notApplied.map(m -> "the rules compiled but could not be applied (" + abbreviate(m.message()) + ")")
                    .orElseGet(() -> String.format("the rule files do not compile (%d errors, first: %s)", errors.size(),
                            errors.isEmpty() ? "?" : abbreviate(errors.get(0).toString())));
            return Result.builder().healthy()
                    .withMessage("WARNING: %s; the last good rules %s keep serving. See GET /v1/rules", what, s.activeVersion())
                    .withDetail("lastReloadFailed", true)
                    .withDetail("errors", errors.size())
                    .withDetail("activeVersion", s.activeVersion())
                    .build();
        }
        return Result.builder().healthy().withMessage("rules %s (%d files)", s.activeVersion(), s.files().size())
                .withDetail("lastReloadFailed", false).build();
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 297) + "...";
    }
}
