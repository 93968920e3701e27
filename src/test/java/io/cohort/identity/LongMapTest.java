package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongMapTest {

    /** Random puts and removes over a small key space (many collisions and probe runs) agree with HashMap. */
    @Test
    void agreesWithHashMapUnderRandomPutsAndRemoves() {
        SplittableRandom r = new SplittableRandom(7);
        LongMap<String> map = new LongMap<>();
        Map<Long, String> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            // Keys clustered in few slots: the low bits decide the slot.
            long key = r.nextInt(3) == 0 ? r.nextLong(0, 64) : (r.nextLong(0, 512) << 32);
            if (r.nextInt(3) == 0) {
                map.remove(key);
                expected.remove(key);
            } else {
                String v = "v" + step;
                map.put(key, v);
                expected.put(key, v);
            }
            if (step % 997 == 0) {
                for (long k = 0; k < 64; k++) assertThat(map.get(k)).as("key %d at step %d", k, step).isEqualTo(expected.get(k));
                for (long k = 0; k < 512; k++) assertThat(map.get(k << 32)).isEqualTo(expected.get(k << 32));
                assertThat(map.size()).isEqualTo(expected.size());
            }
        }
    }

    /** Room made up front (a snapshot read) keeps every entry findable, before and after it fills. */
    @Test
    void reservingKeepsEntriesAndTakesMore() {
        SplittableRandom r = new SplittableRandom(11);
        LongMap<Long> map = new LongMap<>();
        Map<Long, Long> expected = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            long k = r.nextLong();
            map.put(k, (long) i);
            expected.put(k, (long) i);
        }
        map.reserve(50_000);
        for (int i = 0; i < 60_000; i++) {
            long k = r.nextLong();
            map.put(k, (long) i);
            expected.put(k, (long) i);
        }
        assertThat(map.size()).isEqualTo(expected.size());
        expected.forEach((k, v) -> assertThat(map.get(k)).isEqualTo(v));
    }
}
