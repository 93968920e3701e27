package io.cohort.engine;

import java.util.*;

/**
 * When each person must be evaluated again because time moved: the moment one of their events
 * leaves a window a rule counts in ({@code $now.daysAgo(30)}). Members of a "last 30 days"
 * segment exit within one clock tick of the edge, without evaluating everyone on every tick.
 * Confined to the evaluator's coordinator thread.
 *
 * <p>Nearly every person has a due time of their own (event times are in milliseconds), so a
 * time holds one person directly and a set only when people share it: a set per time cost
 * ~180 bytes per person and most of a restart's due-time build at 1M profiles.
 */
final class DueQueue {
    /** Due time → a person's id (String) or, for people sharing it, a Set of ids. */
    private final TreeMap<Long, Object> byTime = new TreeMap<>();
    private final Map<String, Long> byPerson = new HashMap<>();

    /** Sets (or clears, with Long.MAX_VALUE) a person's next due time. */
    void set(String person, long due) {
        Long old = due == Long.MAX_VALUE ? byPerson.remove(person) : byPerson.put(person, due);
        if (old != null && old != due) removeAt(old, person);
        if (due != Long.MAX_VALUE && (old == null || old != due)) addAt(due, person);
    }

    /**
     * Replaces every due time at once with what {@code walk} reports (person, due time;
     * Long.MAX_VALUE: none). Inserting in time order keeps the tree's walk on its rightmost path,
     * several times cheaper than {@link #set} one person after another at 1M people.
     */
    void reset(java.util.function.Consumer<java.util.function.ObjLongConsumer<String>> walk) {
        clear();
        List<String> people = new ArrayList<>();
        long[][] dues = {new long[1024]};
        walk.accept((person, due) -> {
            if (due == Long.MAX_VALUE) return;
            int i = people.size();
            if (i == dues[0].length) dues[0] = Arrays.copyOf(dues[0], i * 2);
            dues[0][i] = due;
            people.add(person);
        });
        long[] at = dues[0];
        Integer[] order = new Integer[people.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingLong(i -> at[i]));
        for (int i : order) {
            String p = people.get(i);
            byPerson.put(p, at[i]);
            addAt(at[i], p);
        }
    }

    @SuppressWarnings("unchecked")
    private void addAt(long due, String person) {
        Object at = byTime.putIfAbsent(due, person);
        if (at == null) return;
        if (at instanceof Set<?> s) {
            ((Set<String>) s).add(person);
        } else if (!at.equals(person)) {
            Set<String> both = new HashSet<>(4);
            both.add((String) at);
            both.add(person);
            byTime.put(due, both);
        }
    }

    private void removeAt(long due, String person) {
        Object at = byTime.get(due);
        if (at instanceof Set<?> s) {
            if (s.remove(person) && s.isEmpty()) byTime.remove(due);
        } else if (person.equals(at)) {
            byTime.remove(due);
        }
    }

    /** Removes and returns everyone due at or before {@code now}. */
    @SuppressWarnings("unchecked")
    List<String> pollUntil(long now) {
        List<String> out = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.firstKey() <= now) {
            Object at = byTime.pollFirstEntry().getValue();
            Collection<String> people = at instanceof Set<?> s ? (Set<String>) s : List.of((String) at);
            for (String p : people) {
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
