package io.cohort.engine.sandbox;

import io.cohort.model.Entity;
import java.util.ArrayList;
import java.util.List;

/**
 * What the sandbox learnt about one rule: where it starts, how far from there it looks, which
 * derived facts it reads and which it inserts. {@link Reach} turns these into each segment's
 * neighbourhood.
 */
final class RuleShape {
    /** A derived fact read at a distance: a declared type, or "Qualified:<segment>" ("Qualified:*" for any). */
    record Use(String derived, int level, int line) {}

    final String name;
    final String file;
    final int line;
    String segment;
    Entity root;
    /** The furthest step any matched fact is from the rule's start, derived facts not counted. */
    int maxLevel;
    int maxLevelLine;
    final List<Use> uses = new ArrayList<>();
    /** Declared type this rule inserts (classification) and the distance of the entity it names. */
    String inserts;
    int insertLevel;
    boolean qualifies;
    /** Conditions of the rule (patterns, condition elements, comparisons), see ConditionChecker.MAX_CONDITIONS. */
    int conditions;
    boolean clockDependent;
    boolean windowed;
    /** A pattern of the rule matches an Activity (a person's events). */
    boolean readsEvents;
    /**
     * The classes of the working-memory facts its patterns match, in any position (negations,
     * accumulate and collect inputs); declared types and {@code from} elements are not facts the
     * graph builds, so they are left out.
     */
    final java.util.Set<Class<?>> reads = new java.util.HashSet<>();
    final java.util.Set<Long> windows = new java.util.TreeSet<>();
    final java.util.Map<String, java.util.Set<Long>> fieldWindows = new java.util.TreeMap<>();

    /**
     * The direct conjuncts of the condition about the qualified person alone (their Person, their
     * Activity, their campaign and list memberships, the clock), each with every variable it reads bound by one before it: implied by
     * the whole condition, and matched by that person's own facts ({@link OwnConditions}).
     */
    final List<org.drools.drl.ast.descr.PatternDescr> ownConditions = new ArrayList<>();
    /** Whether the own conditions test anything (not only "a Person" and the clock). */
    boolean ownConditionsSelective;
    /** The kinds of fact the own conditions match (Person, Activity, the clock…). */
    final java.util.Set<Class<?>> ownReads = new java.util.HashSet<>();
    /** The variables the own conditions bind. */
    final java.util.Set<String> ownBound = new java.util.HashSet<>();
    /** What the rule's consequence passes to new Qualified(…) ("$p.id()"), and the variable it reads. */
    String qualifiedPerson;
    String qualifiedPersonVar;

    RuleShape(String name, String file, int line) {
        this.name = name;
        this.file = file;
        this.line = line;
    }

    void reach(int level, int atLine) {
        if (level > maxLevel) {
            maxLevel = level;
            maxLevelLine = atLine;
        }
    }
}
