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

    /**
     * An identity set (the graph's relation indexes, holding the records themselves) tells equal
     * records apart, before and after its switch to a large set: removing an equal copy removes
     * nothing, so an index never loses a current record for a stale one.
     */
    @Test
    void anIdentitySetComparesByReference() {
        for (int n : new int[] {3, SmallSet.ARRAY_MAX + 5}) {
            SmallSet<String> set = SmallSet.identity();
            java.util.List<String> held = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String s = new String("same");
                held.add(s);
                assertThat(set.add(s)).as("a distinct object").isTrue();
                assertThat(set.add(s)).as("the same object again").isFalse();
            }
            assertThat(set).hasSize(n);
            assertThat(set.contains(new String("same"))).isFalse();
            assertThat(set.remove(new String("same"))).isFalse();
            assertThat(set).hasSize(n);
            for (String s : held) {
                assertThat(set.contains(s)).isTrue();
                assertThat(set.remove(s)).isTrue();
            }
            assertThat(set).isEmpty();
        }
    }
}
