package io.cohort.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActivityTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final String VIEW = Activity.PAGE_VIEW;
    static final String OPEN = "directMarketing.emailOpened";

    static long days(int d) { return NOW.minusSeconds(86_400L * d).toEpochMilli(); }

    @Test
    void answersWindowsTypesPathsAndAttributesLikeTheEventsWould() {
        EventSeries s = EventSeries.EMPTY
                .with("marketo-1", 1, days(40), VIEW, "https://bodea.com/products/new?x=1", Map.of())
                .with("marketo-1", 2, days(10), VIEW, "https://bodea.com/products/newsletter", Map.of())
                .with("marketo-1", 3, days(3), VIEW, "https://bodea.com/pricing#top", Map.of())
                .with("marketo-1", 4, days(1), OPEN, null, Map.of("campaign", "Q4"));
        EventSeries other = EventSeries.EMPTY.with("marketo-2", 9, days(2), VIEW, "https://bodea.com/products/new/x", Map.of());
        Activity a = new Activity("p1", List.of(s, other));

        assertThat(a.count(VIEW, NOW.minusSeconds(86_400L * 30))).isEqualTo(3);
        assertThat(a.count(VIEW, NOW.minusSeconds(86_400L * 60))).isEqualTo(4);
        assertThat(a.count(NOW.minusSeconds(86_400L * 30))).isEqualTo(4);
        assertThat(a.viewed("/products/new", NOW.minusSeconds(86_400L * 30))).isTrue(); // marketo-2, and "newsletter"
        assertThat(a.count(VIEW, "/products/new/", NOW.minusSeconds(86_400L * 60))).isEqualTo(1);
        assertThat(a.viewed("/pricing#top", Instant.EPOCH)).as("a path never holds # or ?").isFalse();
        assertThat(a.countWhere(OPEN, "campaign", "Q4", Instant.EPOCH)).isEqualTo(1);
        assertThat(a.countWhere(OPEN, "campaign", "Q3", Instant.EPOCH)).isZero();
        assertThat(a.last(VIEW)).isEqualTo(Instant.ofEpochMilli(days(2)));
        assertThat(a.last("form.submitted")).isNull();
        // Strictly after: an event exactly at `since` does not count.
        assertThat(a.count(OPEN, Instant.ofEpochMilli(days(1)))).isZero();
        assertThat(a.getEvents()).extracting(Event::source).containsExactly("marketo-1", "marketo-2", "marketo-1", "marketo-1", "marketo-1");
        assertThat(a.getEvents().get(0).eventType()).isEqualTo(OPEN);
        assertThat(a.size()).isEqualTo(5);
    }

    @Test
    void seriesAreCopyOnWriteSortedAndKeyedByIdHash() {
        EventSeries s1 = EventSeries.EMPTY.with("m", 1, days(5), VIEW, "/a", Map.of());
        EventSeries s2 = s1.with("m", 2, days(9), VIEW, "/b", Map.of());
        EventSeries s3 = s2.with("m", 1, days(1), OPEN, null, Map.of()); // same id: replaces
        assertThat(s1.size()).isEqualTo(1);
        assertThat(s2.size()).isEqualTo(2);
        assertThat(s3.size()).isEqualTo(2);
        Activity a = new Activity("p", List.of(s3));
        assertThat(a.getEvents()).extracting(Event::url).containsExactly(null, "/b");
        assertThat(s3.without(42)).isSameAs(s3);
        assertThat(s3.without(1).without(2)).isSameAs(EventSeries.EMPTY);
        assertThat(s3.after(days(6))).isNotSameAs(s3).extracting(EventSeries::size).isEqualTo(1);
        assertThat(s3.after(days(10))).isSameAs(s3);
        // Equal Activity = same person and the very same series: a change is always visible.
        assertThat(new Activity("p", List.of(s3))).isEqualTo(a);
        assertThat(new Activity("p", List.of(s2))).isNotEqualTo(a);
        long[] key = {0x0706050403020100L, 0x0f0e0d0c0b0a0908L};
        assertThat(EventSeries.idHash(key, "marketo-1", "A-1")).isNotEqualTo(EventSeries.idHash(key, "marketo-2", "A-1"))
                .isNotEqualTo(EventSeries.idHash(key, "marketo-1A-", "1"))
                .isNotEqualTo(EventSeries.idHash(new long[] {key[0], key[1] + 1}, "marketo-1", "A-1"))
                .isEqualTo(EventSeries.idHash(key.clone(), "marketo-1", "A-1"));
    }
    /**
     * Rules see an Activity as of their clock: an event dated ahead counts in no helper, in last()
     * nor in the events until its time, across several runs of a series (a tail and older runs).
     */
    @Test
    void asOfNowLeavesOutEventsDatedAheadUntilTheirTime() {
        EventSeries s = EventSeries.EMPTY;
        for (int i = 0; i < 12; i++) s = s.with("m", i, days(20 - i), VIEW, "/products/new", Map.of()); // two runs
        long ahead = NOW.plusSeconds(6 * 3600).toEpochMilli();
        EventSeries withAhead = s.with("m", 99, ahead, VIEW, "/products/new/x", Map.of()).with("m", 98, ahead + 1, OPEN, null, Map.of());
        Activity stored = new Activity("p", List.of(withAhead));
        Activity now = stored.asOf(NOW);
        assertThat(now.size()).isEqualTo(12);
        assertThat(now.count(VIEW, "/products/new/", Instant.EPOCH)).isZero();
        assertThat(now.last(OPEN)).isNull();
        assertThat(now.last(VIEW)).isEqualTo(Instant.ofEpochMilli(days(9)));
        assertThat(now.getEvents()).allMatch(e -> !e.timestamp().isAfter(NOW));
        assertThat(stored.asOf(Instant.ofEpochMilli(ahead)).count(VIEW, "/products/new/", Instant.EPOCH))
                .as("at its own millisecond it counts").isEqualTo(1);
        assertThat(stored.asOf(Instant.ofEpochMilli(ahead)).last(OPEN)).isNull();
        assertThat(stored.asOf(Instant.ofEpochMilli(ahead + 1)).size()).isEqualTo(14);
        Activity past = new Activity("p", List.of(s));
        assertThat(past.asOf(NOW)).as("nothing ahead: the same fact, no copy").isSameAs(past);
        assertThat(new Activity("p", List.of(EventSeries.EMPTY.with("m", 1, ahead, VIEW, "/", Map.of()))).asOf(NOW).size()).isZero();
        assertThat(withAhead.upTo(days(15))).extracting(EventSeries::size).isEqualTo(6);
        assertThat(s.upTo(NOW.toEpochMilli())).isSameAs(s);
    }
}
