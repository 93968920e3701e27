package io.cohort.identity;

import java.util.function.Supplier;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;
import org.eclipse.collections.impl.set.mutable.primitive.LongHashSet;

/**
 * Everyone in the order a full evaluation visits them ({@link ProfileGraph#personIds()}), kept
 * between calls. Working that order out (each person's first account, everyone grouped by it) took
 * ~2 s of both cores at the start of every 1M rule edit, while the evaluation workers waited; the
 * people rarely change between two edits. So the last order is kept with the people who came and
 * went since, and the next call mends it: those who left are dropped, those who came are appended.
 * Appended people are not grouped with their accounts' people, so once they are more than a
 * twentieth of everyone the order is worked out again. Correctness never depends on the order,
 * only on its holding everyone exactly once.
 *
 * <p>{@link #added} and {@link #removed} are called by {@link PersonIndex} under the graph's write
 * lock, {@link #current} under its read lock (so never at the same time as they are).
 */
final class PersonOrder {
    private static final int MIN_TAIL = 1_024;

    /** Person keys in the last order; null until the first call (nothing is journaled before it). */
    private long[] order;
    /** Keys that became present since {@link #order}, in that order (a key may come, go and come again). */
    private final LongArrayList added = new LongArrayList();
    private boolean removals;
    /** More came than the order may end with: it is worked out again. */
    private boolean overflow;
    /** How many of {@link #order}'s keys were appended rather than grouped. */
    private int tail;
    /** How many times the order was worked out from scratch (for tests: a restored order is not). */
    private int workedOut;

    void added(long key) {
        if (order == null || overflow) return;
        if (tail + added.size() >= limit()) {
            overflow = true;
            added.clear();
        } else {
            added.add(key);
        }
    }

    void removed() {
        if (order != null) removals = true;
    }

    /**
     * The order for the people {@code present} holds now.
     *
     * @param fresh works the order out from scratch (every present key once)
     */
    synchronized long[] current(PersonIndex present, Supplier<long[]> fresh) {
        if (order == null || overflow) {
            long[] o = fresh.get();
            workedOut++;
            order = o;
            tail = 0;
            reset();
            return o;
        }
        if (added.isEmpty() && !removals) return order;
        // Appended once, at the end, even when they were in the old order too (left and came back).
        LongHashSet came = new LongHashSet(added.size());
        LongArrayList append = new LongArrayList(added.size());
        added.forEach(k -> {
            if (present.contains(k) && came.add(k)) append.add(k);
        });
        LongArrayList out = new LongArrayList(order.length + append.size());
        for (long k : order) {
            if (came.contains(k)) continue;
            if (removals && !present.contains(k)) continue;
            out.add(k);
        }
        out.addAll(append);
        order = out.toArray();
        tail += append.size();
        reset();
        return order;
    }

    /**
     * Takes {@code keys} as the last order (a snapshot's, written with the graph) when they hold
     * exactly the people {@code present} holds, each once; otherwise changes nothing, and the
     * order is worked out at its first use as before. Called before anyone else sees the index.
     *
     * @return whether the order was taken
     */
    synchronized boolean restore(long[] keys, PersonIndex present) {
        if (keys.length != present.size()) return false;
        LongHashSet seen = new LongHashSet(keys.length);
        for (long k : keys) if (!present.contains(k) || !seen.add(k)) return false;
        order = keys;
        tail = 0;
        reset();
        return true;
    }

    synchronized int workedOut() { return workedOut; }

    private void reset() {
        added.clear();
        removals = false;
        overflow = false;
    }

    private int limit() { return Math.max(MIN_TAIL, order.length / 20); }
}
