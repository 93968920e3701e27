package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.*;
import org.junit.jupiter.api.Test;

/** The due queue keeps one person per time without a set; these are the cases where people share or move times. */
class DueQueueTest {
    @Test
    void peopleSharingATimeAreAllDueAndMovingOneLeavesTheOther() {
        DueQueue q = new DueQueue();
        q.set("a", 100);
        q.set("b", 100);
        q.set("c", 100);
        q.set("b", 300); // out of the shared time
        q.set("c", Long.MAX_VALUE); // no edge any more
        q.set("d", 200);
        q.set("d", 200); // unchanged
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.isDue("a", 100)).isTrue();
        assertThat(q.isDue("b", 299)).isFalse();
        assertThat(q.pollUntil(250)).containsExactlyInAnyOrder("a", "d");
        assertThat(q.pollUntil(250)).isEmpty();
        assertThat(q.pollUntil(300)).containsExactly("b");
        assertThat(q.size()).isZero();
    }

    @Test
    void aSinglePersonTimeBecomesSharedAndBackToSingle() {
        DueQueue q = new DueQueue();
        q.set("a", 100);
        q.set("b", 100);
        q.set("a", 50);
        q.set("b", 50);
        q.set("a", 70);
        assertThat(q.pollUntil(60)).containsExactly("b");
        assertThat(q.pollUntil(100)).containsExactly("a");
    }

    @Test
    void resetReplacesEverythingAndAgreesWithSetOneByOne() {
        Random r = new Random(7);
        DueQueue bulk = new DueQueue();
        DueQueue single = new DueQueue();
        bulk.set("stale", 1);
        Map<String, Long> dues = new LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) dues.put("p" + i, r.nextInt(10) == 0 ? Long.MAX_VALUE : r.nextInt(2_000));
        bulk.reset(each -> dues.forEach(each::accept));
        dues.forEach(single::set);
        assertThat(bulk.size()).isEqualTo(single.size());
        assertThat(bulk.isDue("stale", Long.MAX_VALUE - 1)).isFalse();
        for (long t = 0; t <= 2_000; t += 250) {
            assertThat(new TreeSet<>(bulk.pollUntil(t))).isEqualTo(new TreeSet<>(single.pollUntil(t)));
        }
        assertThat(bulk.size()).isZero();
    }
}
