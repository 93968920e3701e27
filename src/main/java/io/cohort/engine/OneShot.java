package io.cohort.engine;

import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Qualified;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.ConsequenceException;
import org.kie.api.runtime.rule.Match;

/**
 * Evaluates a set of facts once, in a fresh session of a {@link RuleBook}, and throws the session
 * away: for rule tests, previews of drafts and explanations. Nothing is activated and nothing is
 * written; the running shards are not involved.
 *
 * <p>With {@code explain}, every fired match is recorded (rule, file, matched facts, scalar
 * bindings) and each qualification is explained by the matches that still justify it once the
 * session is quiet (see {@link Justifications}): a match that fired but was later undone (its
 * {@code not} became false) does not count.
 */
public final class OneShot {
    /** Same default as the shards' engine.maxFiringsPerRound. */
    public static final int DEFAULT_MAX_FIRINGS = 1_000_000;
    private static final int MAX_EXCEPTIONS = 100;

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

    /**
     * @param justifications only filled with {@code explain}; per qualification, the matches that
     *                       justify it at the end of the run
     */
    public record Result(Set<Qualified> qualified, Map<Qualified, List<Justification>> justifications,
                         List<RuntimeIssue> issues, int fired) {

        public List<Justification> why(Qualified q) { return justifications.getOrDefault(q, List.of()); }
    }

    private OneShot() {}

    public static Result run(RuleBook book, Collection<? extends Fact> facts, Now now, boolean explain) {
        return run(book, facts, now, explain, DEFAULT_MAX_FIRINGS);
    }

    /**
     * Inserts {@code facts} and {@code now} into a new session, fires until quiet (or the firing
     * limit), and reads the qualifications out. Rule exceptions and the firing limit become
     * {@link RuntimeIssue}s, as in the shards, instead of failing the run.
     */
    public static Result run(RuleBook book, Collection<? extends Fact> facts, Now now, boolean explain, int maxFirings) {
        KieSession session = book.kieBase().newKieSession();
        try {
            List<Match> fired = new ArrayList<>();
            Map<String, Integer> firedByRule = new LinkedHashMap<>();
            session.addEventListener(new DefaultAgendaEventListener() {
                @Override public void afterMatchFired(AfterMatchFiredEvent e) {
                    firedByRule.merge(e.getMatch().getRule().getName(), 1, Integer::sum);
                    if (explain) fired.add(e.getMatch());
                }
            });
            for (Fact f : facts) session.insert(f);
            session.insert(now);
            List<RuntimeIssue> issues = new ArrayList<>();
            int count = fire(session, book, now, maxFirings, issues);
            if (count >= maxFirings) {
                String worst = firedByRule.entrySet().stream().max(Map.Entry.comparingByValue())
                        .map(Map.Entry::getKey).orElse("?");
                issues.add(new RuntimeIssue(now.instant(), "firing-limit", worst, book.fileOf(worst),
                        "stopped after " + maxFirings + " firings; rule \"" + worst + "\" fired "
                                + firedByRule.getOrDefault(worst, 0) + " times. A rule that inserts or modifies "
                                + "what it matches loops; use insertLogical and never modify facts"));
            }
            Set<Qualified> qualified = new LinkedHashSet<>();
            for (Object o : session.getObjects(o -> o instanceof Qualified)) qualified.add((Qualified) o);
            Map<Qualified, List<Justification>> why = explain
                    ? new Justifications(book, fired).forAll(qualified) : Map.of();
            return new Result(Set.copyOf(qualified), why, List.copyOf(issues), count);
        } finally {
            session.dispose();
        }
    }

    private static int fire(KieSession session, RuleBook book, Now now, int maxFirings, List<RuntimeIssue> issues) {
        int count = 0;
        for (int attempt = 0; attempt < MAX_EXCEPTIONS; attempt++) {
            try {
                count += session.fireAllRules(maxFirings - count);
                return count;
            } catch (ConsequenceException e) {
                String rule = e.getMatch() == null ? "?" : e.getMatch().getRule().getName();
                Throwable cause = e.getCause() == null ? e : e.getCause();
                issues.add(new RuntimeIssue(now.instant(), "exception", rule, book.fileOf(rule),
                        cause.getClass().getSimpleName() + ": " + cause.getMessage()));
            }
        }
        return count;
    }
}
