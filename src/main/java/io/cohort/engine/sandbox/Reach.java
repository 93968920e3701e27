package io.cohort.engine.sandbox;

import io.cohort.engine.RuleMessage;
import java.util.*;

/**
 * Works out, from the rules alone, how far from a person each segment looks, and which rules a
 * segment depends on. Step 1 is a person's accounts and deals (and their relations), step 2 the
 * people of those accounts and deals. A derived type (declare … insertLogical) adds the distance
 * its own rules look from the entity it names. Cohort evaluates each person with everything
 * within the rule set's depth, so a rule that looks further than {@link #MAX_DEPTH} is refused.
 */
final class Reach {
    static final int MAX_DEPTH = 2;

    private final Map<String, RuleShape> rules;
    private final Map<String, Integer> radius = new HashMap<>();
    private final Set<String> visiting = new HashSet<>();
    private final List<RuleMessage> messages = new ArrayList<>();

    Reach(Collection<RuleShape> rules) {
        Map<String, RuleShape> m = new LinkedHashMap<>();
        for (RuleShape r : rules) m.put(r.name, r);
        this.rules = m;
    }

    RuleSetShape analyse() {
        Map<String, Integer> ruleLevel = new HashMap<>();
        for (RuleShape r : rules.values()) {
            Integer l = ruleLevel(r);
            if (l != null) ruleLevel.put(r.name, l);
        }
        int depth = 1;
        Map<String, Set<String>> segmentRules = new TreeMap<>();
        for (RuleShape r : rules.values()) {
            if (r.segment == null || !ruleLevel.containsKey(r.name)) continue;
            int l = ruleLevel.get(r.name);
            if (l > MAX_DEPTH) {
                messages.add(RuleMessage.error(r.file, r.maxLevelLine > 0 && r.maxLevel == l ? r.maxLevelLine : r.line, 0,
                        "rule \"" + r.name + "\" looks " + l + " steps away from the person it qualifies (step 1: their "
                                + "accounts and deals; step 2: the other people of those accounts and deals, and facts derived "
                                + "about them). Cohort evaluates each person with what lies within " + MAX_DEPTH
                                + " steps; rewrite the rule so that it reaches no further"));
            }
            depth = Math.max(depth, l);
            segmentRules.computeIfAbsent(r.segment, k -> new TreeSet<>());
        }
        Map<String, RuleSetShape.SegmentShape> segments = new TreeMap<>();
        for (String seg : segmentRules.keySet()) {
            Set<String> closure = new TreeSet<>();
            collect("Qualified:" + seg, closure, new HashSet<>());
            boolean clock = closure.stream().map(rules::get).anyMatch(r -> r.clockDependent);
            boolean windowed = closure.stream().map(rules::get).anyMatch(r -> r.windowed);
            boolean events = closure.stream().map(rules::get).anyMatch(r -> r.readsEvents);
            Set<Class<?>> reads = new HashSet<>();
            closure.stream().map(rules::get).forEach(r -> reads.addAll(r.reads));
            int level = closure.stream().filter(rules::containsKey).map(rules::get).filter(r -> seg.equals(r.segment))
                    .mapToInt(r -> ruleLevel.getOrDefault(r.name, 0)).max().orElse(0);
            segments.put(seg, new RuleSetShape.SegmentShape(seg, Set.copyOf(closure), level, clock, windowed, events,
                    Set.copyOf(reads)));
        }
        java.util.TreeSet<Long> windows = new java.util.TreeSet<>();
        rules.values().forEach(r -> windows.addAll(r.windows));
        // Rules see events up to now: an event dated ahead of the clock starts to count at its time,
        // the edge of a window of length 0 (one per person, the earliest such event).
        if (rules.values().stream().anyMatch(r -> r.readsEvents)) windows.add(0L);
        Map<String, java.util.TreeSet<Long>> fields = new TreeMap<>();
        rules.values().forEach(r -> r.fieldWindows.forEach((f, w) -> fields.computeIfAbsent(f, k -> new java.util.TreeSet<>()).addAll(w)));
        Map<String, long[]> fieldWindows = new TreeMap<>();
        fields.forEach((f, w) -> fieldWindows.put(f, w.stream().mapToLong(Long::longValue).toArray()));
        return new RuleSetShape(Math.min(depth, MAX_DEPTH), segments, windows.stream().mapToLong(Long::longValue).toArray(),
                Map.copyOf(fieldWindows));
    }

    List<RuleMessage> messages() { return messages; }

    /** The rules a derived fact (or a segment, "Qualified:<id>") depends on, transitively. */
    private void collect(String derived, Set<String> out, Set<String> seen) {
        if (!seen.add(derived)) return;
        for (RuleShape r : producers(derived)) {
            if (!out.add(r.name)) continue;
            for (RuleShape.Use u : r.uses) collect(u.derived(), out, seen);
        }
    }

    private List<RuleShape> producers(String derived) {
        List<RuleShape> out = new ArrayList<>();
        for (RuleShape r : rules.values()) {
            if (derived.equals(r.inserts)) out.add(r);
            else if (derived.startsWith("Qualified:") && r.segment != null && r.qualifies
                    && (derived.equals("Qualified:*") || derived.equals("Qualified:" + r.segment))) out.add(r);
        }
        return out;
    }

    /** The furthest step a rule looks, derived facts included; null when a derivation is cyclic. */
    private Integer ruleLevel(RuleShape r) {
        int level = r.maxLevel;
        for (RuleShape.Use u : r.uses) {
            Integer rad = radius(u.derived(), r);
            if (rad == null) return null;
            level = Math.max(level, u.level() + rad);
        }
        return level;
    }

    /** How far the rules deriving a fact look from the entity the fact names. */
    private Integer radius(String derived, RuleShape user) {
        Integer known = radius.get(derived);
        if (known != null) return known;
        if (!visiting.add(derived)) {
            messages.add(RuleMessage.error(user.file, user.line, 0, "rule \"" + user.name + "\": "
                    + derived.replace("Qualified:", "segment ") + " is derived from itself (directly or through other "
                    + "derived facts); derivations must not go round in a circle"));
            return null;
        }
        try {
            int rad = 0;
            for (RuleShape p : producers(derived)) {
                Integer l = ruleLevel(p);
                if (l == null) return null;
                rad = Math.max(rad, l + (derived.startsWith("Qualified:") ? 0 : p.insertLevel));
            }
            radius.put(derived, rad);
            return rad;
        } finally {
            visiting.remove(derived);
        }
    }
}
