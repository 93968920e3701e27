package io.cohort.engine;

import io.cohort.engine.sandbox.RuleSetShape;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import org.kie.api.KieBase;

/**
 * What the running rules did wrong so far, and so how a rule set is evaluated now. A rule that
 * threw for someone is <em>isolated</em>: the segments depending on it are evaluated apart from
 * the others (a throwing condition counts as not matching for that person), so that it can never
 * change another segment's members. A rule that spent an evaluation's budget is <em>suspended</em>:
 * the segments depending on it keep their members unchanged ("held") until the rules are
 * reloaded. Segments that spent a budget only together (none of them alone) are evaluated
 * <em>apart</em>, each on its own, as isolated ones are. Shared by the evaluation workers; a new
 * rule set starts with a new state.
 */
public final class RuleState {
    private final RuleBook book;
    private final Set<String> throwing = ConcurrentHashMap.newKeySet();
    private final Map<String, String> suspended = new ConcurrentHashMap<>();
    private final Set<String> apart = ConcurrentHashMap.newKeySet();
    private final Map<Set<String>, Plan> plans = new ConcurrentHashMap<>();
    private final List<RuntimeIssue> announcements = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RuleState(RuleBook book) {
        this.book = book;
    }

    /**
     * How to evaluate {@code requested} segments now.
     *
     * @param clean    segments evaluated together in {@code kieBase} (null when there are none)
     * @param isolated segments depending on a throwing rule, or evaluated apart, each on its own
     * @param held     segments depending on a suspended rule: not evaluated, members kept
     */
    public record Plan(Set<String> clean, KieBase kieBase, Set<String> isolated, Set<String> held) {}

    public RuleBook book() { return book; }

    public Plan plan(Set<String> requested) {
        return plans.computeIfAbsent(Set.copyOf(requested), this::newPlan);
    }

    private Plan newPlan(Set<String> requested) {
        Set<String> clean = new TreeSet<>();
        Set<String> isolated = new TreeSet<>();
        Set<String> held = new TreeSet<>();
        for (String s : requested) {
            Set<String> rules = rulesOf(s);
            if (rules.stream().anyMatch(suspended::containsKey)) held.add(s);
            else if (apart.contains(s) || rules.stream().anyMatch(throwing::contains)) isolated.add(s);
            else clean.add(s);
        }
        KieBase kb = null;
        if (!clean.isEmpty()) {
            boolean everything = clean.equals(book.segments().keySet()) && throwing.isEmpty() && suspended.isEmpty();
            kb = everything ? book.kieBase() : book.kieBaseOf(closure(clean));
        }
        return new Plan(Set.copyOf(clean), kb, Set.copyOf(isolated), Set.copyOf(held));
    }

    /** The rules a set of segments depends on (their own, and those deriving what they read). */
    public Set<String> closure(Set<String> segments) {
        Set<String> out = new TreeSet<>();
        for (String s : segments) out.addAll(rulesOf(s));
        return out;
    }

    private Set<String> rulesOf(String segment) {
        return book.shape().segment(segment).map(RuleSetShape.SegmentShape::rules).orElse(Set.of());
    }

    /** A rule threw: isolate the segments that depend on it. True when this is news. */
    boolean markThrowing(String rule) {
        if (!throwing.add(rule)) return false;
        plans.clear();
        return true;
    }

    /** A rule spent a budget: hold the segments that depend on it until the next reload. */
    boolean suspend(String rule, String why) {
        if (suspended.putIfAbsent(rule, why) != null) return false;
        plans.clear();
        return true;
    }

    /**
     * Segments that spent a budget together though none does alone: evaluate each on its own from
     * now on, so that the next batches do not spend the budget again before being evaluated apart.
     * True when one of them is news.
     */
    boolean markApart(Set<String> segments) {
        if (!apart.addAll(segments)) return false;
        plans.clear();
        return true;
    }

    /** The issue that isolated or suspended a rule (told once per state): kept for who must report it later. */
    void announce(RuntimeIssue issue) { announcements.add(issue); }

    /**
     * The issues told once per state, oldest first: a rule isolated or suspended. Issues about
     * one person recur with every evaluation that meets them; these do not.
     */
    public List<RuntimeIssue> announcements() { return List.copyOf(announcements); }

    public Map<String, String> suspended() { return Map.copyOf(suspended); }

    public Set<String> throwing() { return Set.copyOf(throwing); }

    /** Segments currently held (a rule they depend on is suspended). */
    public Set<String> held() { return plan(book.segments().keySet()).held(); }
}
