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
 * split between shared columns and tail.
 */
class EventSeriesTest {
    private record E(long id, long at, String type, String url, Map<String, String> attrs) {}

    @Test
    void answersAsASortedListWhateverTheOrderOfChanges() {
        for (long seed = 1; seed <= 200; seed++) {
            Random r = new Random(seed);
            EventSeries s = EventSeries.EMPTY;
            List<E> model = new ArrayList<>();
            long clock = 1_000;
            for (int step = 0; step < 120; step++) {
                int op = r.nextInt(100);
                if (op < 70 || model.isEmpty()) {
                    long id = r.nextInt(60);
                    // Mostly newer than everything, sometimes older, sometimes at the same millisecond.
                    long at = r.nextInt(10) < 8 ? (clock += r.nextInt(3)) : 1_000 + r.nextInt((int) (clock - 999));
                    E e = new E(id, at, "t" + r.nextInt(3), r.nextBoolean() ? null : "/p" + r.nextInt(4),
                            r.nextBoolean() ? Map.of() : Map.of("k", "v" + r.nextInt(2)));
                    s = s.with("src", e.id, e.at, e.type, e.url, e.attrs);
                    model.removeIf(x -> x.id == e.id);
                    int pos = model.size();
                    while (pos > 0 && model.get(pos - 1).at > e.at) pos--;
                    model.add(pos, e);
                } else if (op < 85) {
                    long id = model.get(r.nextInt(model.size())).id;
                    s = s.without(id);
                    model.removeIf(x -> x.id == id);
                } else if (op < 90) {
                    long cutoff = model.get(r.nextInt(model.size())).at - r.nextInt(2);
                    s = s.after(cutoff);
                    model.removeIf(x -> x.at <= cutoff);
                } else {
                    assertThat(s.without(1_000_000)).isSameAs(s);
                    assertThat(s.after(0)).isSameAs(s);
                }
                check(s, model, "seed " + seed + " step " + step);
            }
        }
    }

    @Test
    void anEventSharesTheOlderColumnsUntilTheTailIsFull() {
        EventSeries s = EventSeries.EMPTY;
        EventSeries prev = s;
        int i = 0;
        // Up to the next join (the tail is full): from then on the count is known.
        do {
            prev = s;
            s = s.with("m", i, 1_000 + i, "view", "/x", Map.of());
            i++;
        } while (i < 2 || s.sharesColumnsWith(prev));
        EventSeries joined = s;
        for (int k = 0; k < EventSeries.TAIL_MAX; k++) {
            // In time order or long before the columns' newest, alike (streams send both).
            long at = k % 2 == 0 ? 5_000 + k : 100 + k;
            s = s.with("m", 100 + k, at, "view", "/y", Map.of());
            assertThat(s.sharesColumnsWith(joined)).as("add %d after the join", k + 1).isTrue();
        }
        s = s.with("m", 200, 6_000, "view", "/z", Map.of());
        assertThat(s.sharesColumnsWith(joined)).as("a full tail is joined into new columns").isFalse();
        assertThat(s.size()).isEqualTo(i + EventSeries.TAIL_MAX + 1);
        assertThat(s.firstAfter(0)).isEqualTo(101);
        assertThat(s.without(200).sharesColumnsWith(s)).as("a removal from the columns copies them").isFalse();
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
