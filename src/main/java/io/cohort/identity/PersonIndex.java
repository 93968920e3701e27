package io.cohort.identity;

import io.cohort.record.SourceRef;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.eclipse.collections.api.block.procedure.primitive.LongObjectProcedure;
import org.eclipse.collections.impl.map.mutable.primitive.LongObjectHashMap;

/**
 * Unified person → its source persons, keyed by the person id's 64 bits
 * ({@link UnifiedIds#personKeyByEmail}). Keyed by the id strings, a 1M graph held a million of
 * them (~64 bytes each) only to be keys, and every lookup compared strings in other objects, a
 * cache miss each: the largest single cost of a 1M restart's record thread. Here a probe compares
 * numbers in the table itself. Id strings are made when asked for. Not thread-safe (as
 * {@link SourceIndex}).
 */
final class PersonIndex {
    private final LongObjectHashMap<Set<SourceRef>> byKey;
    /** The full evaluation's order of everyone, kept between calls ({@link PersonOrder}). */
    private final PersonOrder order = new PersonOrder();

    PersonIndex(int expected) { byKey = new LongObjectHashMap<>(Math.max(16, expected)); }

    /** The source persons of a unified id; empty when there are none or the id is not a person id. */
    Set<SourceRef> get(String uid) {
        if (!UnifiedIds.isPersonId(uid)) return Set.of();
        return get(UnifiedIds.personKey(uid));
    }

    Set<SourceRef> get(long key) {
        Set<SourceRef> s = byKey.get(key);
        return s == null ? Set.of() : s;
    }

    boolean contains(String uid) { return UnifiedIds.isPersonId(uid) && byKey.containsKey(UnifiedIds.personKey(uid)); }

    boolean contains(long key) { return byKey.containsKey(key); }

    void add(long key, SourceRef ref) {
        Set<SourceRef> s = byKey.get(key);
        if (s == null) {
            s = SmallSet.create(null);
            byKey.put(key, s);
            order.added(key);
        }
        s.add(ref);
    }

    void remove(long key, SourceRef ref) {
        Set<SourceRef> s = byKey.get(key);
        if (s != null && s.remove(ref) && s.isEmpty()) {
            byKey.remove(key);
            order.removed();
        }
    }

    int size() { return byKey.size(); }

    /** Every unified id with its source persons, in no particular order. */
    void forEach(BiConsumer<String, Set<SourceRef>> action) {
        byKey.forEachKeyValue((k, refs) -> action.accept(UnifiedIds.personId(k), refs));
    }

    /** {@code n} people drawn at random (with repeats), from the keys alone: no id string per person. */
    List<String> random(int n, java.util.Random random) {
        if (byKey.isEmpty()) return List.of();
        long[] keys = byKey.keySet().toArray();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(UnifiedIds.personId(keys[random.nextInt(keys.length)]));
        return out;
    }

    /** Every key with its source persons, in no particular order. */
    void forEachKey(LongObjectProcedure<Set<SourceRef>> action) { byKey.forEachKeyValue(action); }

    /** Everyone in the order {@code fresh} works out, mended from the last call's when it can be ({@link PersonOrder}). */
    List<String> ordered(Supplier<long[]> fresh) { return new KeyIds(orderKeys(fresh)); }

    /** The keys of {@link #ordered} (never changed after they are handed out). */
    long[] orderKeys(Supplier<long[]> fresh) { return order.current(this, fresh); }

    /** Takes a snapshot's order when it holds exactly the people here ({@link PersonOrder#restore}). */
    boolean restoreOrder(long[] keys) { return order.restore(keys, this); }

    /** How many times the order was worked out from scratch. */
    int ordersWorkedOut() { return order.workedOut(); }

    /** The ids of {@code keys}, made when read (the array is never changed after it is handed out). */
    private static final class KeyIds extends AbstractList<String> implements RandomAccess {
        private final long[] keys;

        KeyIds(long[] keys) { this.keys = keys; }

        @Override public String get(int i) { return UnifiedIds.personId(keys[i]); }

        @Override public int size() { return keys.length; }
    }

    List<String> ids() {
        List<String> out = new ArrayList<>(byKey.size());
        byKey.forEachKey(k -> out.add(UnifiedIds.personId(k)));
        return out;
    }
}
