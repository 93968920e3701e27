package io.cohort.engine;

import io.cohort.engine.sandbox.Deadline;
import io.cohort.model.Activity;
import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Qualified;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kie.api.KieBase;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.event.rule.ObjectDeletedEvent;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.event.rule.ObjectUpdatedEvent;
import org.kie.api.event.rule.RuleRuntimeEventListener;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.ConsequenceException;
import org.kie.api.runtime.rule.Match;

/**
 * Evaluates a set of facts once, in a fresh session, and throws the session away. Every
 * evaluation of Cohort is one of these: a batch of people's neighbourhoods, a preview, an
 * explanation, a rule test. The run is bounded ({@link Budget}): it stops when a rule fires, derives
 * facts or takes time beyond the budget, or when a condition throws; the {@link Failure} names the
 * rule so the caller can isolate it. Nothing is activated and nothing is written.
 *
 * <p>With {@code explain}, every fired match is recorded and each qualification is explained by
 * the matches that still justify it once the session is quiet (see {@link Justifications}).
 */
public final class OneShot {
    private static final Pattern RULE_NAME = Pattern.compile("Rule (?:name='([^']*)'|\"([^\"]*)\")");

    /**
     * A fact a justifying match saw.
     *
     * @param key       {@link Fact#key()}, or the declared type's text for a fact a rule declared
     * @param type      simple class name, e.g. "Opportunity" or "CustomerAccount"
     * @param fact      the fact record (serialises to JSON), or its text for declared types
     * @param derivedBy for a fact a rule inserted logically: the matches that justify it
     */
    public record Matched(String key, String type, Object fact, List<Justification> derivedBy) {}

    /**
     * One match that justifies a qualification (or a derived fact).
     *
     * @param bindings the match's scalar variables, e.g. {"$total": 1100000.0}
     * @param values   scalar objects of the match: accumulate results and the values summed
     * @param facts    the facts it matched, including those inside exists and accumulate
     */
    public record Justification(String rule, String file, Map<String, Object> bindings, List<Object> values,
                                List<Matched> facts) {}

    /** Why a run did not finish: which budget, or a throwing rule. {@code rule} is null when unknown. */
    public record Failure(Kind kind, String rule, String message) {
        public enum Kind { EXCEPTION, FIRINGS, DERIVED, TIME, MEMORY }
    }

    /**
     * @param justifications only filled with {@code explain}; per qualification, the matches that
     *                       justify it at the end of the run
     * @param derived        facts the rules derived (what the derived-facts budget counts)
     * @param failure        null when the run finished; else the qualifications are not to be trusted
     */
    public record Result(Set<Qualified> qualified, Map<Qualified, List<Justification>> justifications, int fired,
                         int derived, Failure failure) {

        public List<Justification> why(Qualified q) { return justifications.getOrDefault(q, List.of()); }

        public boolean ok() { return failure == null; }
    }

    private OneShot() {}

    /**
     * Inserts {@code facts} and {@code now} into a new session of {@code kieBase}, fires until quiet
     * or a budget is spent, and reads the qualifications out.
     */
    public static Result run(KieBase kieBase, RuleBook book, Collection<? extends Fact> facts, Now now, boolean explain,
                             Budget budget) {
        return run(kieBase.newKieSession(), book, facts, now, explain, budget, Allowance.Grant.whole(budget));
    }

    /**
     * As {@link #run(KieBase, RuleBook, Collection, Now, boolean, Budget)}, one of several runs of
     * a request sharing {@code allowance}: this one gets what the runs before it left and charges
     * what it allocated. When nothing is left it is not started, and fails as stopped by that limit.
     */
    public static Result run(KieBase kieBase, RuleBook book, Collection<? extends Fact> facts, Now now, boolean explain,
                             Allowance allowance) {
        Budget budget = allowance.budget();
        Allowance.Grant left = allowance.next();
        if (left.spent()) {
            return new Result(Set.of(), Map.of(), 0, 0, left.nanos() <= 0
                    ? new Failure(Failure.Kind.TIME, null, "took longer than " + budget.maxNanos() / 1_000_000 + " ms in all: "
                    + "the evaluations before this one spent the time")
                    : new Failure(Failure.Kind.MEMORY, null, "allocated more than " + mib(budget.maxBytes()) + " MiB in all: "
                    + "the evaluations before this one spent the memory"));
        }
        long before = Deadline.allocatedBytes();
        try {
            return run(kieBase.newKieSession(), book, facts, now, explain, budget, left);
        } finally {
            if (before >= 0) allowance.charge(Deadline.allocatedBytes() - before);
        }
    }

    /**
     * As {@link #run(KieBase, RuleBook, Collection, Now, boolean, Budget)} in a session of a pool:
     * disposing it resets it and returns it to the pool.
     */
    static Result run(org.kie.api.runtime.KieSessionsPool pool, RuleBook book, Collection<? extends Fact> facts, Now now,
                      Budget budget) {
        return run(pool.newKieSession(), book, facts, now, false, budget, Allowance.Grant.whole(budget));
    }

    /** @param limits what this run may spend, its budget's or what an allowance left; {@code budget} is named in messages */
    private static Result run(KieSession session, RuleBook book, Collection<? extends Fact> facts, Now now, boolean explain,
                              Budget budget, Allowance.Grant limits) {
        Watch watch = new Watch(session, budget, explain);
        // Firings are counted by the watch; matching that never fires meets the deadline and the
        // allocation limit in the conditions (Deadline.ok, which the sandbox put in every join),
        // on this thread only.
        Deadline.Saved outer = Deadline.start(limits.nanos(), limits.bytes());
        try {
            session.addEventListener((org.kie.api.event.rule.AgendaEventListener) watch);
            session.addEventListener((RuleRuntimeEventListener) watch);
            // Rules see a person's events up to the session's time: one a source dated ahead of the
            // clock counts from its own time (when the due queue has the person evaluated again).
            for (Fact f : facts) session.insert(f instanceof Activity a ? a.asOf(now.instant()) : f);
            session.insert(now);
            int fired = session.fireAllRules(budget.maxFirings());
            Failure failure = watch.failure;
            if (failure == null && fired >= budget.maxFirings()) {
                String worst = watch.worst(watch.firedByRule);
                failure = new Failure(Failure.Kind.FIRINGS, worst, "stopped after " + budget.maxFirings()
                        + " firings in one evaluation; rule \"" + worst + "\" fired " + watch.firedByRule.getOrDefault(worst, 0)
                        + " times");
            }
            Set<Qualified> qualified = new LinkedHashSet<>();
            for (Object o : session.getObjects(o -> o instanceof Qualified)) qualified.add((Qualified) o);
            Map<Qualified, List<Justification>> why = explain && failure == null
                    ? new Justifications(book, watch.matches).forAll(qualified) : Map.of();
            return new Result(Set.copyOf(qualified), why, fired, watch.derived, failure);
        } catch (ConsequenceException e) {
            String rule = e.getMatch() == null ? null : e.getMatch().getRule().getName();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Result(Set.of(), Map.of(), watch.fired, watch.derived, new Failure(Failure.Kind.EXCEPTION, rule, describe(cause)));
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError | NoClassDefFoundError e) {
            // A condition that throws (a method on a null field) surfaces here, while Drools
            // propagates facts at fire time; Drools names the rule in the message. Errors too:
            // a rule must never take the evaluator thread with it.
            String rule = ruleOf(e, session.getKieBase());
            if (rule == null) rule = evalRuleOf(e, session.getKieBase());
            if (root(e) instanceof Deadline.Exceeded x) return new Result(Set.of(), Map.of(), watch.fired, watch.derived, spent(x, rule, budget));
            return new Result(Set.of(), Map.of(), watch.fired, watch.derived, new Failure(Failure.Kind.EXCEPTION, rule, describe(root(e))));
        } finally {
            Deadline.restore(outer);
            // A pooled session keeps its listeners across resets: remove ours first.
            session.removeEventListener((org.kie.api.event.rule.AgendaEventListener) watch);
            session.removeEventListener((RuleRuntimeEventListener) watch);
            session.dispose();
        }
    }

    /** Counts firings and derived facts per rule, and stops the session when a budget is spent. */
    private static final class Watch extends DefaultAgendaEventListener implements RuleRuntimeEventListener {
        private final KieSession session;
        private final Budget budget;
        private final boolean explain;
        final Map<String, Integer> firedByRule = new HashMap<>();
        final Map<String, Integer> derivedByRule = new HashMap<>();
        final List<Match> matches = new ArrayList<>();
        int fired;
        int derived;
        Failure failure;

        Watch(KieSession session, Budget budget, boolean explain) {
            this.session = session;
            this.budget = budget;
            this.explain = explain;
        }

        @Override public void afterMatchFired(AfterMatchFiredEvent e) {
            fired++;
            firedByRule.merge(e.getMatch().getRule().getName(), 1, Integer::sum);
            if (explain) matches.add(e.getMatch());
            if ((fired & 255) != 0 || failure != null) return;
            // The same limits as the conditions' checks, set for this run by Deadline.start.
            Deadline.Limit spent = Deadline.spent();
            if (spent != null) {
                String worst = worst(firedByRule);
                failure = spent == Deadline.Limit.TIME
                        ? new Failure(Failure.Kind.TIME, worst, "took longer than " + budget.maxNanos() / 1_000_000
                        + " ms for one evaluation; rule \"" + worst + "\" fired most (" + firedByRule.get(worst) + " times)")
                        : new Failure(Failure.Kind.MEMORY, worst, "allocated more than " + mib(budget.maxBytes())
                        + " MiB in one evaluation; rule \"" + worst + "\" fired most (" + firedByRule.get(worst) + " times)");
                session.halt();
            }
        }

        @Override public void objectInserted(ObjectInsertedEvent e) {
            if (e.getRule() == null) return;
            derived++;
            derivedByRule.merge(e.getRule().getName(), 1, Integer::sum);
            if (derived > budget.maxDerived() && failure == null) {
                String worst = worst(derivedByRule);
                failure = new Failure(Failure.Kind.DERIVED, worst, "derived more than " + budget.maxDerived()
                        + " facts in one evaluation; rule \"" + worst + "\" derived " + derivedByRule.get(worst));
                session.halt();
            }
        }

        @Override public void objectUpdated(ObjectUpdatedEvent e) {}

        @Override public void objectDeleted(ObjectDeletedEvent e) {}

        String worst(Map<String, Integer> counts) {
            return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
        }
    }

    /**
     * The deadline or the allocation limit met while matching: Drools names the rule whose condition
     * was being evaluated, the rule whose joins multiplied (the call is in every join, so it is that
     * rule's work that runs when the clock and the allocation are read), or whose regular
     * expressions were matching (they read the limits too).
     */
    private static Failure spent(Deadline.Exceeded x, String rule, Budget budget) {
        String advice = x.where == Deadline.Where.REGEX
                ? ": the time ran out while its regular expressions ('matches') were matching, which costs the text's length "
                + "times the expression's for every fact; test a cheaper condition on the same fact first, or match shorter expressions"
                : ": its patterns join too many combinations of facts (every colleague with every colleague of an "
                + "account, say); join on ids to fewer facts, or count with accumulate instead of matching each combination";
        return x.limit == Deadline.Limit.TIME
                ? new Failure(Failure.Kind.TIME, rule, "took longer than " + budget.maxNanos() / 1_000_000 + " ms for one "
                + "evaluation while matching the conditions of rule \"" + rule + "\", without firing" + advice)
                : new Failure(Failure.Kind.MEMORY, rule, "allocated more than " + mib(budget.maxBytes()) + " MiB for one "
                + "evaluation while matching the conditions of rule \"" + rule + "\"" + advice);
    }

    private static long mib(long bytes) { return bytes >> 20; }

    /**
     * The rule Drools names in a condition's exception, or null. Drools quotes the name without
     * escaping it: a name holding a quote ('say "hi"') reads as 'say ' and no rule would be
     * suspended, so a name that is not one of {@code kieBase}'s is looked up whole in the message.
     */
    static String ruleOf(Throwable e, KieBase kieBase) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            Matcher m = RULE_NAME.matcher(message);
            if (!m.find()) continue;
            String read = m.group(1) != null ? m.group(1) : m.group(2);
            String whole = null;
            for (org.kie.api.definition.KiePackage p : kieBase.getKiePackages()) {
                for (org.kie.api.definition.rule.Rule r : p.getRules()) {
                    if (r.getName().equals(read)) return read;
                    if (message.contains("\"" + r.getName() + "\"") && (whole == null || r.getName().length() > whole.length())) {
                        whole = r.getName();
                    }
                }
            }
            return whole != null ? whole : read;
        }
        return null;
    }

    /**
     * The rule whose {@code eval(...)} threw, or null. Drools names no rule for an eval: its
     * exception's message starts with the eval's compiled expression ("cohort.segments.Rule_X123Eval0Invoker@1f : …"),
     * which is found again in the LHS of the rule that holds it. Without this an eval's exception
     * was reported as rule "?" in file "(unknown)" and its rule was never isolated.
     */
    static String evalRuleOf(Throwable e, KieBase kieBase) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null || !message.contains("Invoker@")) continue;
            for (org.kie.api.definition.KiePackage p : kieBase.getKiePackages()) {
                for (org.kie.api.definition.rule.Rule r : p.getRules()) {
                    if (r instanceof org.drools.base.definitions.rule.impl.RuleImpl ri
                            && holdsEval(ri.getLhs(), message, Collections.newSetFromMap(new IdentityHashMap<>()))) {
                        return r.getName();
                    }
                }
            }
        }
        return null;
    }

    /** Whether {@code e} or an element nested in it is an eval whose expression {@code message} starts with. */
    private static boolean holdsEval(org.drools.base.rule.RuleConditionElement e, String message, Set<Object> seen) {
        if (e == null || !seen.add(e)) return false;
        if (e instanceof org.drools.base.rule.EvalCondition eval && eval.getEvalExpression() != null
                && message.startsWith(eval.getEvalExpression().getClass().getName() + "@")) {
            return true;
        }
        for (org.drools.base.rule.RuleConditionElement n : e.getNestedElements()) {
            if (holdsEval(n, message, seen)) return true;
        }
        return false;
    }

    private static Throwable root(Throwable e) {
        Throwable r = e;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        return r;
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        if (m != null && m.length() > 300) m = m.substring(0, 300) + "…";
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.replace('\n', ' '));
    }
}
