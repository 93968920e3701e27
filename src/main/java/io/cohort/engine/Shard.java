package io.cohort.engine;

import io.cohort.model.Fact;
import io.cohort.model.Qualified;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.core.common.InternalFactHandle;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.ObjectDeletedEvent;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.event.rule.ObjectUpdatedEvent;
import org.kie.api.event.rule.RuleRuntimeEventListener;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.ConsequenceException;
import org.kie.api.runtime.rule.FactHandle;

/**
 * One long-lived Drools session holding the facts of the components assigned to it. Confined to
 * one thread at a time (the evaluator runs each shard's work on that shard's executor).
 */
final class Shard implements AutoCloseable {
    private static final int MAX_EXCEPTIONS_PER_ROUND = 1_000;
    private static final int MAX_EXCEPTIONS_PER_RULE = 20;

    final int index;
    private final RuleBook ruleBook;
    private final KieSession session;
    private final Clock clock;
    private final int maxFirings;
    private final Map<String, FactHandle> handles = new HashMap<>();
    private final Set<Qualified> qualified = new HashSet<>();
    private final Set<Qualified> touched = new HashSet<>();
    private final Map<String, Integer> firedByRule = new HashMap<>();
    private final Set<String> quarantined = new HashSet<>();
    private static final int MAX_QUARANTINES_PER_ROUND = 5;

    Shard(int index, RuleBook ruleBook, Clock clock, int maxFirings) {
        this.index = index;
        this.ruleBook = ruleBook;
        this.session = ruleBook.kieBase().newKieSession();
        this.clock = clock;
        this.maxFirings = maxFirings;
        session.addEventListener(new RuleRuntimeEventListener() {
            @Override public void objectInserted(ObjectInsertedEvent e) { track(e.getObject(), true); }

            @Override public void objectUpdated(ObjectUpdatedEvent e) {}

            @Override public void objectDeleted(ObjectDeletedEvent e) { track(e.getOldObject(), false); }
        });
        session.addEventListener(new DefaultAgendaEventListener() {
            @Override public void afterMatchFired(AfterMatchFiredEvent e) {
                firedByRule.merge(e.getMatch().getRule().getName(), 1, Integer::sum);
            }
        });
    }

    private void track(Object o, boolean inserted) {
        if (o instanceof Qualified q) {
            if (inserted) qualified.add(q);
            else qualified.remove(q);
            touched.add(q);
        }
    }

    /** Applies fact changes, then fires; returns the qualifications touched since the last call. */
    ShardOutcome apply(List<FactOp> ops) {
        List<RuntimeIssue> constraintIssues = new ArrayList<>();
        for (FactOp op : ops) {
            try {
                applyOne(op);
            } catch (RuntimeException e) {
                // A rule condition that throws (e.g. a method call on a null field) fails the
                // insert of that fact only; the rest of the batch and the service go on.
                constraintIssues.add(conditionIssue(e));
            }
        }
        ShardOutcome fired = fire();
        if (constraintIssues.isEmpty()) return fired;
        List<RuntimeIssue> all = new ArrayList<>(constraintIssues);
        all.addAll(fired.issues());
        return new ShardOutcome(fired.fired(), fired.touched(), all);
    }

    private void applyOne(FactOp op) {
        if (op instanceof FactOp.Put p) {
            Fact f = p.fact();
            FactHandle h = handles.get(p.key());
            if (h == null) {
                handles.put(p.key(), session.insert(f));
            } else if (!f.equals(((InternalFactHandle) h).getObject())) {
                // The handle's own object: session.getObject(h) reconnects the handle through the
                // entry point, a tenth of the evaluator's time when components are rebuilt.
                session.update(h, f);
            }
        } else if (op instanceof FactOp.Remove r) {
            FactHandle h = handles.remove(r.key());
            if (h != null) session.delete(h);
        }
    }

    private static final java.util.regex.Pattern RULE_NAME = java.util.regex.Pattern.compile("Rule name='([^']*)'");

    /** An issue for a throwing condition, naming the rule when Drools' message does. */
    private RuntimeIssue conditionIssue(RuntimeException e) {
        String rule = "?";
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            java.util.regex.Matcher m = RULE_NAME.matcher(String.valueOf(t.getMessage()));
            if (rule.equals("?") && m.find()) rule = m.group(1);
            root = t;
        }
        return new RuntimeIssue(clock.instant(), "condition", rule, fileOf(rule), "a condition threw "
                + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage())
                + "; guard fields that may be null (e.g. industry != null && …)");
    }

    private ShardOutcome fire() {
        List<RuntimeIssue> issues = new ArrayList<>();
        int fired = 0;
        // A looping rule is quarantined (its matches no longer fire in this session) and the round
        // goes on, so one analyst's loop cannot starve every other segment of the shard.
        for (int round = 0; round <= MAX_QUARANTINES_PER_ROUND; round++) {
            firedByRule.clear();
            int n = fireWithin(issues);
            fired += n;
            if (n < maxFirings) break;
            String worst = firedByRule.entrySet().stream().max(Map.Entry.comparingByValue())
                    .map(Map.Entry::getKey).orElse("?");
            quarantined.add(worst);
            issues.add(new RuntimeIssue(clock.instant(), "firing-limit", worst, fileOf(worst),
                    "stopped after " + maxFirings + " firings in one evaluation; rule \"" + worst + "\" fired "
                            + firedByRule.getOrDefault(worst, 0) + " times and is suspended until the rules are "
                            + "reloaded. A rule that modifies or inserts what it matches loops; add a guard "
                            + "(e.g. 'not') or use insertLogical"));
        }
        Set<Qualified> out = Set.copyOf(touched);
        touched.clear();
        return new ShardOutcome(fired, out, issues);
    }

    /** Fires up to the limit, skipping quarantined rules; a throwing consequence is reported and skipped. */
    private int fireWithin(List<RuntimeIssue> issues) {
        int fired = 0;
        // A rule that keeps throwing sits out the rest of this round, so it cannot use up the
        // round's exception budget before the other rules had their turn.
        Map<String, Integer> thrown = new HashMap<>();
        for (int attempt = 0; attempt < MAX_EXCEPTIONS_PER_ROUND; attempt++) {
            try {
                fired += session.fireAllRules(m -> !quarantined.contains(m.getRule().getName())
                        && thrown.getOrDefault(m.getRule().getName(), 0) < MAX_EXCEPTIONS_PER_RULE, maxFirings - fired);
                break;
            } catch (ConsequenceException e) {
                String rule = e.getMatch() == null ? "?" : e.getMatch().getRule().getName();
                thrown.merge(rule, 1, Integer::sum);
                Throwable cause = e.getCause() == null ? e : e.getCause();
                issues.add(new RuntimeIssue(clock.instant(), "exception", rule, fileOf(rule),
                        cause.getClass().getSimpleName() + ": " + cause.getMessage()));
            } catch (RuntimeException e) {
                // A condition threw while Drools propagated a change (inserts propagate lazily, at
                // fire time). That propagation is consumed, so firing again goes on with the rest;
                // a rule Drools names is suspended like a looping one.
                RuntimeIssue issue = conditionIssue(e);
                issues.add(issue);
                if (!issue.rule().equals("?")) quarantined.add(issue.rule());
            }
        }
        return fired;
    }

    private String fileOf(String rule) { return ruleBook.fileOf(rule); }

    boolean isQualified(Qualified q) { return qualified.contains(q); }

    Set<Qualified> qualified() { return qualified; }

    int factCount() { return handles.size(); }

    @Override public void close() { session.dispose(); }
}
