package io.cohort.cluster;

import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleState;
import io.cohort.engine.RuntimeIssue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rules a worker evaluates with, and which of the issues they tell once its commits have
 * carried to cluster_rule_issue. Most issues recur with every evaluation that meets them (a rule
 * throwing for a person), so a refused commit loses none: the retry, or the partition's next
 * owner, finds them again. But a rule state tells that it isolated or suspended a rule once
 * ({@link RuleState#announcements()}); such an issue is carried by every commit until one
 * succeeds. Another rule set is a new instance: what the superseded one had not carried is dropped
 * with it (its version is no longer listed anyway).
 */
final class RulesInUse {
    private final RuleState state;
    private final Set<RuntimeIssue> carried = ConcurrentHashMap.newKeySet();

    RulesInUse(RuleBook book) { this.state = new RuleState(book); }

    RuleState state() { return state; }

    /**
     * What a commit writes for an evaluation that found {@code found}: those, and the announcements
     * no commit carried yet, last: the row they share with the per-person issues of their rule
     * (kind and rule; the latest message wins) then says that the rule is isolated or suspended.
     */
    List<RuntimeIssue> toCommit(List<RuntimeIssue> found) {
        List<RuntimeIssue> announced = state.announcements();
        List<RuntimeIssue> out = new ArrayList<>(found);
        out.removeAll(announced);
        for (RuntimeIssue a : announced) if (!carried.contains(a)) out.add(a);
        return out;
    }

    /** The commit that wrote {@code written} succeeded: its announcements are reported. */
    void committed(Collection<RuntimeIssue> written) {
        List<RuntimeIssue> announced = state.announcements();
        for (RuntimeIssue i : written) if (announced.contains(i)) carried.add(i);
    }
}
