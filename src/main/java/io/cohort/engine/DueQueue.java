package io.cohort.engine;

import io.cohort.identity.UnifiedIds;
import java.util.*;
import org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap;

/**
 * When each person must be evaluated again because time moved: the moment one of their events
 * leaves a window a rule counts in ({@code $now.daysAgo(30)}), or the time of an event a source
 * dated ahead of the clock (it enters the windows then). Members of a "last 30 days" segment exit
 * (and people with such an event enter) within one clock tick of the edge, without evaluating
 * everyone on every tick.
 * Confined to the evaluator's coordinator thread.
 *
 * <p>A binary min-heap of (due time, person) in two arrays, beside each person's current due time.
 * A person's earlier entry is not searched for when their time moves: it stays in the heap and is
 * skipped when it comes up, as it no longer matches; the heap is rebuilt when such stale entries
 * outnumber the live ones. Why not a sorted tree of times: at 1M people its entries and boxed
 * keys cost ~60 bytes a person, and building it (a sort of boxed indexes, then a million
 * inserts) was half of a restart's work after the graph read; a heap is built in linear time.
 * People are held by their id's 64 bits ({@link UnifiedIds#personKey}), as the graph holds them:
 * by id strings, a 1M start kept a million strings here that the graph no longer has.
 */
final class DueQueue {
    /** Rebuilt below this many entries only when stale entries outnumber live ones twice. */
    private static final int REBUILD_FLOOR = 1024;
    /** "No due time" in {@link #byPerson}: due times are event times plus windows, never this. */
    private static final long NONE = Long.MIN_VALUE;
    /** Each person's current due time (only people who have one), by person key; no objects at all. */
    private final LongLongHashMap byPerson = new LongLongHashMap();
    private long[] dueAt = new long[16];
    private long[] who = new long[16];
    private int heapSize;

    /** Sets (or clears, with Long.MAX_VALUE) a person's next due time. */
    void set(String personId, long due) {
        long person = key(personId);
        long old = byPerson.getIfAbsent(person, NONE);
        if (due == Long.MAX_VALUE) {
            byPerson.remove(person);
        } else {
            byPerson.put(person, due);
            if (old != due) push(due, person);
        }
        if (heapSize > REBUILD_FLOOR && heapSize > 2 * byPerson.size()) rebuild();
    }

    /**
     * Replaces every due time at once: {@code people[i]} is due at {@code dues[i]} (Long.MAX_VALUE:
     * never). The arrays are read, not kept.
     */
    void reset(String[] people, long[] dues) {
        if (people.length != dues.length) throw new IllegalArgumentException("people and due times differ in length");
        clear();
        grow(people.length);
        for (int i = 0; i < people.length; i++) {
            long person = key(people[i]);
            if (dues[i] == Long.MAX_VALUE) { // a person named twice: the later time counts
                byPerson.remove(person);
                continue;
            }
            long old = byPerson.getIfAbsent(person, NONE);
            byPerson.put(person, dues[i]);
            if (old == dues[i]) continue; // named twice with the same time: one entry
            dueAt[heapSize] = dues[i];
            who[heapSize++] = person;
        }
        heapify();
    }

    /** Removes and returns everyone due at or before {@code now}, earliest first. */
    List<String> pollUntil(long now) {
        List<String> out = new ArrayList<>();
        while (heapSize > 0 && dueAt[0] <= now) {
            long d = dueAt[0];
            long p = who[0];
            removeTop();
            if (byPerson.getIfAbsent(p, NONE) == d) {
                byPerson.remove(p);
                out.add(UnifiedIds.personId(p));
            }
        }
        return out;
    }

    boolean isDue(String personId, long now) {
        long d = byPerson.getIfAbsent(key(personId), NONE);
        return d != NONE && d <= now;
    }

    int size() { return byPerson.size(); }

    /** Entries held, live and stale (tests). */
    int entries() { return heapSize; }

    void clear() {
        byPerson.clear();
        dueAt = new long[16];
        who = new long[16];
        heapSize = 0;
    }

    /** Only people are ever due: any other id is a caller's mistake, not a person to skip. */
    private static long key(String personId) {
        if (!UnifiedIds.isPersonId(personId)) throw new IllegalArgumentException("not a person id: " + personId);
        return UnifiedIds.personKey(personId);
    }

    /** Only the live entries, in linear time. */
    private void rebuild() {
        long[] d = new long[Math.max(16, byPerson.size())];
        long[] w = new long[d.length];
        int[] n = {0};
        byPerson.forEachKeyValue((person, due) -> {
            d[n[0]] = due;
            w[n[0]++] = person;
        });
        dueAt = d;
        who = w;
        heapSize = n[0];
        heapify();
    }

    private void push(long due, long person) {
        grow(heapSize + 1);
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (dueAt[parent] <= due) break;
            dueAt[i] = dueAt[parent];
            who[i] = who[parent];
            i = parent;
        }
        dueAt[i] = due;
        who[i] = person;
    }

    private void removeTop() {
        int last = --heapSize;
        long d = dueAt[last];
        long w = who[last];
        if (last > 0) siftDown(0, d, w);
    }

    private void heapify() {
        for (int i = (heapSize >>> 1) - 1; i >= 0; i--) siftDown(i, dueAt[i], who[i]);
    }

    /** Puts (d, w) at {@code i} or below it, moving smaller children up. */
    private void siftDown(int i, long d, long w) {
        int half = heapSize >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < heapSize && dueAt[right] < dueAt[child]) child = right;
            if (d <= dueAt[child]) break;
            dueAt[i] = dueAt[child];
            who[i] = who[child];
            i = child;
        }
        dueAt[i] = d;
        who[i] = w;
    }

    private void grow(int capacity) {
        if (capacity <= dueAt.length) return;
        int n = Math.max(capacity, dueAt.length + (dueAt.length >> 1));
        dueAt = Arrays.copyOf(dueAt, n);
        who = Arrays.copyOf(who, n);
    }
}
