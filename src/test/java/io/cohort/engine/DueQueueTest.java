package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.identity.UnifiedIds;
import java.util.*;
import org.junit.jupiter.api.Test;

/** The due queue: people sharing or moving times, bulk resets, and long random runs against a plain model. */
class DueQueueTest {
    /** A person id (the queue holds people by their id's 64 bits); negative and zero keys included. */
    private static String p(long n) { return UnifiedIds.personId(n * 0x9E3779B97F4A7C15L); }

    private static final String A = p(0), B = p(1), C = p(2), D = p(3);

    @Test
    void onlyPersonIdsAreQueued() {
        DueQueue q = new DueQueue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.set("alice", 100)).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.set(A.toUpperCase(), 100)).isInstanceOf(IllegalArgumentException.class);
        q.set(A, 100);
        assertThat(q.pollUntil(100)).containsExactly(A);
    }
    @Test
    void peopleSharingATimeAreAllDueAndMovingOneLeavesTheOther() {
        DueQueue q = new DueQueue();
        q.set(A, 100);
        q.set(B, 100);
        q.set(C, 100);
        q.set(B, 300); // out of the shared time
        q.set(C, Long.MAX_VALUE); // no edge any more
        q.set(D, 200);
        q.set(D, 200); // unchanged
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.isDue(A, 100)).isTrue();
        assertThat(q.isDue(B, 299)).isFalse();
        assertThat(q.pollUntil(250)).containsExactlyInAnyOrder(A, D);
        assertThat(q.pollUntil(250)).isEmpty();
        assertThat(q.pollUntil(300)).containsExactly(B);
        assertThat(q.size()).isZero();
    }

    @Test
    void aSinglePersonTimeBecomesSharedAndBackToSingle() {
        DueQueue q = new DueQueue();
        q.set(A, 100);
        q.set(B, 100);
        q.set(A, 50);
        q.set(B, 50);
        q.set(A, 70);
        assertThat(q.pollUntil(60)).containsExactly(B);
        assertThat(q.pollUntil(100)).containsExactly(A);
    }

    @Test
    void resetReplacesEverythingAndAgreesWithSetOneByOne() {
        Random r = new Random(7);
        DueQueue bulk = new DueQueue();
        DueQueue single = new DueQueue();
        bulk.set(p(-1), 1);
        Map<String, Long> dues = new LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) dues.put(p(i), r.nextInt(10) == 0 ? Long.MAX_VALUE : r.nextInt(2_000));
        bulk.reset(dues.keySet().toArray(String[]::new), dues.values().stream().mapToLong(Long::longValue).toArray());
        dues.forEach(single::set);
        assertThat(bulk.size()).isEqualTo(single.size());
        assertThat(bulk.isDue(p(-1), Long.MAX_VALUE - 1)).isFalse();
        for (long t = 0; t <= 2_000; t += 250) {
            assertThat(new TreeSet<>(bulk.pollUntil(t))).isEqualTo(new TreeSet<>(single.pollUntil(t)));
        }
        assertThat(bulk.size()).isZero();
    }

    /**
     * Random sets, clears, polls and resets against a map of person → due time: the same people
     * come due, each once, however often their times moved (moved times leave stale entries that
     * must be skipped, and the heap is rebuilt when they pile up).
     */
    @Test
    void answersAsAPlainMapOverLongRandomRuns() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            DueQueue q = new DueQueue();
            Map<String, Long> model = new HashMap<>();
            long now = 0;
            int maxEntries = 0;
            for (int step = 0; step < 20_000; step++) {
                int op = r.nextInt(100);
                String p = p(r.nextInt(300));
                if (op < 80) {
                    long due = r.nextInt(20) == 0 ? Long.MAX_VALUE : now + r.nextInt(500);
                    q.set(p, due);
                    if (due == Long.MAX_VALUE) model.remove(p);
                    else model.put(p, due);
                } else if (op < 90) {
                    assertThat(q.isDue(p, now)).isEqualTo(model.containsKey(p) && model.get(p) <= now);
                } else if (op < 99) {
                    now += r.nextInt(60);
                    long t = now;
                    List<String> polled = q.pollUntil(t);
                    List<String> expected = model.entrySet().stream().filter(e -> e.getValue() <= t)
                            .sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
                    assertThat(polled).as("seed %d step %d", seed, step).containsExactlyInAnyOrderElementsOf(expected);
                    List<Long> times = polled.stream().map(model::get).toList();
                    assertThat(times).as("earliest first").isSorted();
                    expected.forEach(model::remove);
                } else {
                    model.clear();
                    int n = r.nextInt(400);
                    String[] people = new String[n];
                    long[] dues = new long[n];
                    for (int i = 0; i < n; i++) {
                        people[i] = p(r.nextInt(300)); // some twice: the later time counts
                        dues[i] = r.nextInt(10) == 0 ? Long.MAX_VALUE : now + r.nextInt(500);
                        if (dues[i] == Long.MAX_VALUE) model.remove(people[i]);
                        else model.put(people[i], dues[i]);
                    }
                    q.reset(people, dues);
                }
                assertThat(q.size()).as("seed %d step %d", seed, step).isEqualTo(model.size());
                maxEntries = Math.max(maxEntries, q.entries());
            }
            assertThat(maxEntries).as("stale entries are dropped when they pile up").isLessThanOrEqualTo(2 * 300 + 1025);
        }
    }
}
