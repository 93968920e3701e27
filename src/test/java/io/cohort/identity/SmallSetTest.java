package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The graph's small set behaves as a HashSet under any mix of operations, across its switch to one. */
class SmallSetTest {
    @Test
    void behavesAsAHashSet() {
        Random rnd = new Random(5);
        for (int run = 0; run < 300; run++) {
            Set<Integer> expected = new HashSet<>();
            SmallSet<Integer> actual = new SmallSet<>();
            int range = 1 + rnd.nextInt(run % 3 == 0 ? 40 : 12);
            for (int op = 0; op < 200; op++) {
                Integer v = rnd.nextInt(range);
                switch (rnd.nextInt(4)) {
                    case 0, 1 -> assertThat(actual.add(v)).isEqualTo(expected.add(v));
                    case 2 -> assertThat(actual.remove(v)).isEqualTo(expected.remove(v));
                    default -> {
                        // Remove through the iterator, as callers pruning a set do.
                        for (Iterator<Integer> it = actual.iterator(); it.hasNext(); ) {
                            Integer x = it.next();
                            if (x % 3 == v % 3) {
                                it.remove();
                                expected.remove(x);
                            }
                        }
                    }
                }
                assertThat(actual).hasSize(expected.size());
                assertThat(actual.contains(v)).isEqualTo(expected.contains(v));
                assertThat(new HashSet<>(actual)).isEqualTo(expected);
                assertThat(actual).isEqualTo(expected);
            }
        }
    }
}
