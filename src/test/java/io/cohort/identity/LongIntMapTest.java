package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongIntMapTest {

    /** Random puts and removes over a small key space (many collisions and probe runs) agree with HashMap. */
    @Test
    void agreesWithHashMapUnderRandomPutsAndRemoves() {
        SplittableRandom r = new SplittableRandom(7);
        LongIntMap map = new LongIntMap();
        Map<Long, Integer> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            // Keys clustered in few slots: the low bits decide the slot.
            long key = r.nextInt(3) == 0 ? r.nextLong(0, 64) : (r.nextLong(0, 512) << 32);
            if (r.nextInt(3) == 0) {
                map.remove(key);
                expected.remove(key);
            } else {
                map.put(key, step);
                expected.put(key, step);
            }
            if (step % 997 == 0) {
                for (long k = 0; k < 64; k++) assertThat(map.get(k)).as("key %d at step %d", k, step).isEqualTo(expected.getOrDefault(k, LongIntMap.MISSING));
                for (long k = 0; k < 512; k++) assertThat(map.get(k << 32)).isEqualTo(expected.getOrDefault(k << 32, LongIntMap.MISSING));
                assertThat(map.size()).isEqualTo(expected.size());
            }
        }
    }

    /** Room made up front (a snapshot read) keeps every entry findable, before and after it fills. */
    @Test
    void reservingKeepsEntriesAndTakesMore() {
        SplittableRandom r = new SplittableRandom(11);
        LongIntMap map = new LongIntMap();
        Map<Long, Integer> expected = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            long k = r.nextLong();
            map.put(k, i);
            expected.put(k, i);
        }
        map.reserve(50_000);
        for (int i = 0; i < 60_000; i++) {
            long k = r.nextLong();
            map.put(k, i);
            expected.put(k, i);
        }
        assertThat(map.size()).isEqualTo(expected.size());
        expected.forEach((k, v) -> assertThat(map.get(k)).isEqualTo(v));
    }

    /**
     * A bulk load into a map that already holds entries (the grouped order must not change what is
     * found): clustered keys, duplicates (the last one wins, as with puts), key 0, and removes
     * afterwards still agree with HashMap.
     */
    @Test
    void bulkLoadAgreesWithPutsOneByOne() {
        SplittableRandom r = new SplittableRandom(3);
        LongIntMap map = new LongIntMap();
        Map<Long, Integer> expected = new HashMap<>();
        for (int i = 0; i < 500; i++) {
            long k = r.nextLong();
            map.put(k, i);
            expected.put(k, i);
        }
        int n = 300_000;
        long[] keys = new long[n];
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = switch (r.nextInt(4)) {
                case 0 -> r.nextLong(0, 2_000);               // near zero, clustered, duplicated
                case 1 -> r.nextLong(0, 4_000) << 40;         // same low bits: one long probe run
                default -> r.nextLong();
            };
            values[i] = r.nextInt(1_000_000);
        }
        map.putAll(n, sink -> { for (int i = 0; i < n; i++) sink.put(keys[i], values[i]); });
        for (int i = 0; i < n; i++) expected.put(keys[i], values[i]);
        assertThat(map.size()).isEqualTo(expected.size());
        expected.forEach((k, v) -> assertThat(map.get(k)).as("key %d", k).isEqualTo(v));
        for (int i = 0; i < n; i += 3) {
            map.remove(keys[i]);
            expected.remove(keys[i]);
        }
        assertThat(map.size()).isEqualTo(expected.size());
        expected.forEach((k, v) -> assertThat(map.get(k)).isEqualTo(v));
        for (int i = 0; i < n; i += 3) assertThat(map.get(keys[i])).isEqualTo(LongIntMap.MISSING);
    }

    @Test
    void bulkLoadRefusesAMiscount() {
        LongIntMap map = new LongIntMap();
        assertThatThrownBy(() -> map.putAll(3, sink -> sink.put(5, 1))).isInstanceOf(IllegalStateException.class);
    }
}
