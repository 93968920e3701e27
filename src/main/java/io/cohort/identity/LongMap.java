package io.cohort.identity;

import java.util.Arrays;

/**
 * A map from 64-bit keys to objects, open addressing with linear probing: ~16 bytes per entry
 * where a {@code HashMap<Long, V>} costs ~64. It holds one entry per event (event id hash → the
 * person the event belongs to), the largest index of all. Not thread-safe.
 */
final class LongMap<V> {
    private static final long FREE = 0; // key 0 is stored apart
    private long[] keys;
    private Object[] values;
    private int size;
    private boolean hasZero;
    private Object zeroValue;

    LongMap() {
        keys = new long[16];
        values = new Object[16];
    }

    int size() { return size + (hasZero ? 1 : 0); }

    @SuppressWarnings("unchecked")
    V get(long key) {
        if (key == FREE) return hasZero ? (V) zeroValue : null;
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) return (V) values[i];
            if (keys[i] == FREE) return null;
        }
    }

    void put(long key, V value) {
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
            zeroValue = null;
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
        values[gap] = null;
        size--;
    }

    /** Makes room for {@code more} entries at once (a snapshot read knows its count). */
    void reserve(int more) {
        long needed = (size + (long) more) * 4 / 3 + 1;
        int length = keys.length;
        while (length < needed) length *= 2;
        if (length > keys.length) rehash(length);
    }

    private void grow() { rehash(keys.length * 2); }

    private void rehash(int length) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[length];
        values = new Object[length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                @SuppressWarnings("unchecked") V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
    }

    private static int slot(long key, int mask) {
        return (int) (key ^ (key >>> 32)) & mask; // keys are already well-mixed hashes
    }

    void clear() {
        Arrays.fill(keys, FREE);
        Arrays.fill(values, null);
        size = 0;
        hasZero = false;
        zeroValue = null;
    }
}
