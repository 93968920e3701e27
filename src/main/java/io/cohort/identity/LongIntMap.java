package io.cohort.identity;

import java.util.Arrays;

/**
 * A map from 64-bit keys to non-negative ints, open addressing with linear probing: 12 bytes per
 * slot where a {@code HashMap<Long, V>} costs ~64 per entry. It holds one entry per event (event id
 * hash → the slot of the person holding it), the largest index of all. Values are ints, not
 * references, because the garbage collector scans an array of references that young objects were
 * written into (a 20M-entry one cost a 1M start ~2 s of GC) and never scans an {@code int[]}.
 * Not thread-safe.
 */
final class LongIntMap {
    /** What {@link #get} answers for a key that is not there. */
    static final int MISSING = -1;
    private static final long FREE = 0; // key 0 is stored apart
    /** A bulk load inserts in runs of this many slots, so that each run's part of the table stays in cache. */
    private static final int RUN_SLOTS = 1 << 14;
    private long[] keys;
    private int[] values;
    private int size;
    private boolean hasZero;
    private int zeroValue;

    LongIntMap() {
        keys = new long[16];
        values = new int[16];
    }

    int size() { return size + (hasZero ? 1 : 0); }

    int get(long key) {
        if (key == FREE) return hasZero ? zeroValue : MISSING;
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) return values[i];
            if (keys[i] == FREE) return MISSING;
        }
    }

    void put(long key, int value) {
        if (value < 0) throw new IllegalArgumentException("negative value " + value);
        if (key == FREE) {
            hasZero = true;
            zeroValue = value;
            return;
        }
        if ((size + 1) * 4L > keys.length * 3L) grow();
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != FREE && keys[i] != key) i = (i + 1) & mask;
        if (keys[i] == FREE) size++;
        keys[i] = key;
        values[i] = value;
    }

    void remove(long key) {
        if (key == FREE) {
            hasZero = false;
            return;
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != key) {
            if (keys[i] == FREE) return;
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: move later entries of the probe run into the gap, so that
        // lookups never stop early at it (no tombstones to accumulate).
        int gap = i;
        for (int j = (gap + 1) & mask; keys[j] != FREE; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                keys[gap] = keys[j];
                values[gap] = values[j];
                gap = j;
            }
        }
        keys[gap] = FREE;
        size--;
    }

    /** Makes room for {@code more} entries at once (a snapshot read knows its count). */
    void reserve(int more) {
        long needed = (size + (long) more) * 4 / 3 + 1;
        int length = keys.length;
        while (length < needed) length *= 2;
        if (length > keys.length) rehash(length);
    }

    /** Receives the entries of a {@link #putAll}. */
    interface Sink {
        void put(long key, int value);
    }

    /**
     * Puts {@code n} entries that {@code entries} hands to its sink, the same ones each time it is
     * called (twice). Put one by one in the order they come (a snapshot read's events, in the
     * file's order), every put is a cache miss in a table of hundreds of megabytes; grouped first
     * by the part of the table they land in, each group's puts stay within a few hundred
     * kilobytes. Same result as putting them one by one.
     */
    void putAll(int n, java.util.function.Consumer<Sink> entries) {
        reserve(n);
        int mask = keys.length - 1;
        int shift = Math.max(0, Integer.numberOfTrailingZeros(keys.length) - Integer.numberOfTrailingZeros(RUN_SLOTS));
        int runs = (mask >>> shift) + 1;
        int[] start = new int[runs + 1];
        int[] counted = {0};
        entries.accept((k, v) -> {
            start[(slot(k, mask) >>> shift) + 1]++;
            counted[0]++;
        });
        if (counted[0] != n) throw new IllegalStateException(counted[0] + " entries, " + n + " announced");
        for (int r = 0; r < runs; r++) start[r + 1] += start[r];
        long[] sortedKeys = new long[n];
        int[] sortedValues = new int[n];
        entries.accept((k, v) -> {
            int at = start[slot(k, mask) >>> shift]++;
            sortedKeys[at] = k;
            sortedValues[at] = v;
        });
        for (int i = 0; i < n; i++) put(sortedKeys[i], sortedValues[i]);
    }

    private void grow() { rehash(keys.length * 2); }

    private void rehash(int length) {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[length];
        values = new int[length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) put(oldKeys[i], oldValues[i]);
        }
    }

    private static int slot(long key, int mask) {
        return (int) (key ^ (key >>> 32)) & mask; // keys are already well-mixed hashes
    }

    void clear() {
        Arrays.fill(keys, FREE);
        size = 0;
        hasZero = false;
    }
}
