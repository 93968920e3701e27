package io.cohort.engine;

import java.util.*;

/**
 * When each person must be evaluated again because time moved: the moment one of their events
 * leaves a window a rule counts in ({@code $now.daysAgo(30)}). Members of a "last 30 days"
 * segment exit within one clock tick of the edge, without evaluating everyone on every tick.
 * Confined to the evaluator's coordinator thread.
 */
final class DueQueue {
    private final TreeMap<Long, Set<String>> byTime = new TreeMap<>();
    private final Map<String, Long> byPerson = new HashMap<>();

    /** Sets (or clears, with Long.MAX_VALUE) a person's next due time. */
    void set(String person, long due) {
        Long old = due == Long.MAX_VALUE ? byPerson.remove(person) : byPerson.put(person, due);
        if (old != null && old != due) {
            Set<String> s = byTime.get(old);
            if (s != null && s.remove(person) && s.isEmpty()) byTime.remove(old);
        }
        if (due != Long.MAX_VALUE && (old == null || old != due)) byTime.computeIfAbsent(due, k -> new HashSet<>()).add(person);
    }

    /** Removes and returns everyone due at or before {@code now}. */
    List<String> pollUntil(long now) {
        List<String> out = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.firstKey() <= now) {
            for (String p : byTime.pollFirstEntry().getValue()) {
                byPerson.remove(p);
                out.add(p);
            }
        }
        return out;
    }

    boolean isDue(String person, long now) {
        Long d = byPerson.get(person);
        return d != null && d <= now;
    }

    int size() { return byPerson.size(); }

    void clear() {
        byTime.clear();
        byPerson.clear();
    }
}
