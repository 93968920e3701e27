package io.cohort.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EventSeries} against a plain sorted list doing the same operations: random adds (mostly
 * newer than everything held, as streams send them, some older, some replacing an id), removals
 * and prunes. Every read the rules and the graph use must answer as the list does, whatever the
 * split of the events into runs.
 */
class EventSeriesTest {
    private record E(long id, long at, String type, String url, Map<String, String> attrs) {}

    @Test
    void answersAsASortedListWhateverTheOrderOfChanges() {
        for (long seed = 1; seed <= 200; seed++) replay(seed, 120, 60, 1, 50);
    }

    /**
     * Attributes are rare in real events: runs without any hold no attribute column, and are
     * merged, cut and changed together with runs that have one.
     */
    @Test
    void answersAsASortedListWhenFewEventsHaveAttributes() {
        for (long seed = 1; seed <= 200; seed++) replay(seed, 120, 60, 1, 3);
        for (long seed = 1; seed <= 6; seed++) replay(seed, 1_500, 1_000, 37, 1);
    }

    /** Long histories: many runs of different sizes, merged and emptied by removals and prunes. */
    @Test
    void answersAsASortedListOverLongHistories() {
        for (long seed = 1; seed <= 12; seed++) replay(seed, 1_500, 1_000, 37, 50);
    }

    /** @param attributed the percentage of events with attributes */
    private static void replay(long seed, int steps, int ids, int checkEvery, int attributed) {
        Random r = new Random(seed);
        EventSeries s = EventSeries.EMPTY;
        List<E> model = new ArrayList<>();
        long clock = 1_000;
        for (int step = 0; step < steps; step++) {
            int op = r.nextInt(100);
            if (op < 70 || model.isEmpty()) {
                long id = r.nextInt(ids);
                // Mostly newer than everything, sometimes older, sometimes at the same millisecond.
                long at = r.nextInt(10) < 8 ? (clock += r.nextInt(3)) : 1_000 + r.nextInt((int) (clock - 999));
                E e = new E(id, at, "t" + r.nextInt(3), r.nextBoolean() ? null : "/p" + r.nextInt(4),
                        r.nextInt(100) >= attributed ? Map.of() : Map.of("k", "v" + r.nextInt(2)));
                s = s.with("src", e.id, e.at, e.type, e.url, e.attrs);
                model.removeIf(x -> x.id == e.id);
                int pos = model.size();
                while (pos > 0 && model.get(pos - 1).at > e.at) pos--;
                model.add(pos, e);
            } else if (op < 85) {
                long id = model.get(r.nextInt(model.size())).id;
                s = s.without(id);
                model.removeIf(x -> x.id == id);
            } else if (op < 90 - (checkEvery > 1 ? 4 : 0)) { // long histories prune less, to grow
                long cutoff = model.get(r.nextInt(model.size())).at - r.nextInt(2);
                s = s.after(cutoff);
                model.removeIf(x -> x.at <= cutoff);
            } else {
                assertThat(s.without(1_000_000)).isSameAs(s);
                assertThat(s.after(0)).isSameAs(s);
            }
            if (step % checkEvery == 0 || step == steps - 1) check(s, model, "seed " + seed + " step " + step);
        }
    }

    /**
     * What a new event costs must not grow with the person's history: a busy visitor or a bot has
     * thousands of events in the window. Each event is copied O(log n) times in its life, so the
     * first (largest) run is rewritten a handful of times, not every few events.
     */
    @Test
    void aLongHistoryIsRewrittenRarely() {
        EventSeries s = EventSeries.EMPTY;
        for (int i = 0; i < 2_000; i++) s = s.with("m", i, 1_000 + i, "view", "/x", Map.of());
        int rewrites = 0;
        int maxRuns = 0;
        for (int i = 0; i < 10_000; i++) {
            // In time order and long before the newest alike (streams and backfills send both).
            long at = i % 3 == 0 ? 50 + i : 20_000 + i;
            EventSeries next = s.with("m", 100_000 + i, at, "view", "/y", Map.of());
            if (!next.sharesColumnsWith(s)) rewrites++;
            assertThat(next.size()).isEqualTo(s.size() + 1);
            maxRuns = Math.max(maxRuns, next.runCount());
            s = next;
        }
        // 2,000 → 12,000 events: the first run grows by half or more at each rewrite (≤ ~5 rewrites).
        assertThat(rewrites).as("rewrites of the first run over 10,000 new events").isLessThanOrEqualTo(8);
        assertThat(maxRuns).as("runs held at once (sizes shrink geometrically)").isLessThanOrEqualTo(14);
        long[] last = {Long.MIN_VALUE};
        int[] n = {0};
        s.forEach((id, at, type, url, attrs) -> {
            assertThat(at).isGreaterThanOrEqualTo(last[0]);
            last[0] = at;
            n[0]++;
        });
        assertThat(n[0]).isEqualTo(12_000);
        assertThat(s.firstAfter(0)).isEqualTo(50);
        assertThat(s.without(100_000 + 9_999).sharesColumnsWith(s)).as("a removal from a later run keeps the first").isTrue();
        assertThat(s.without(5).sharesColumnsWith(s)).as("a removal from the first run copies it").isFalse();
    }

    private static void check(EventSeries s, List<E> model, String where) {
        assertThat(s.size()).as(where).isEqualTo(model.size());
        List<E> seen = new ArrayList<>();
        s.forEach((id, at, type, url, attrs) -> seen.add(new E(id, at, type, url, attrs)));
        assertThat(seen).as(where + ": time order, arrival order among equal times").isEqualTo(model);
        List<E> byIndex = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            E e = new E(s.idAt(i), s.at(i), s.type(i), s.url(i), s.attrs(i));
            byIndex.add(e);
            assertThat(s.indexOf(e.id)).as(where).isEqualTo(i);
        }
        assertThat(byIndex).as(where).containsExactlyInAnyOrderElementsOf(model);
        long end = model.isEmpty() ? 1_000 : model.get(model.size() - 1).at + 1;
        for (long t = 995; t <= end; t += 7) {
            final long after = t;
            long expected = model.stream().mapToLong(E::at).filter(x -> x > after).min().orElse(Long.MAX_VALUE);
            assertThat(s.firstAfter(t)).as(where + " firstAfter " + t).isEqualTo(expected);
            for (String type : List.of("t0", "t1")) {
                assertThat(s.count(type, null, null, null, after)).as(where + " count " + type)
                        .isEqualTo(model.stream().filter(x -> x.at > after && x.type.equals(type)).count());
                assertThat(s.count(null, "/p1", null, null, after)).as(where + " count /p1")
                        .isEqualTo(model.stream().filter(x -> x.at > after && x.url != null && x.url.startsWith("/p1")).count());
                assertThat(s.count(type, null, "k", "v1", after)).as(where + " count k=v1")
                        .isEqualTo(model.stream().filter(x -> x.at > after && x.type.equals(type) && "v1".equals(x.attrs.get("k"))).count());
            }
        }
        for (String type : List.of("t0", "t1", "t2", "none")) {
            assertThat(s.last(type)).as(where + " last " + type)
                    .isEqualTo(model.stream().filter(x -> x.type.equals(type)).mapToLong(E::at).max().orElse(Long.MIN_VALUE));
        }
        if (model.isEmpty()) assertThat(s).as(where).isSameAs(EventSeries.EMPTY);
    }
}
