package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The change feed's and the outbox's numbers at one moment. Whatever mode writes a change, it must
 * number after everything stored before it: the feed is read in {@code seq} order, and receivers
 * keep the change with the highest {@code seq}.
 *
 * @param outbox each outbox row's seq, by "activation/person"
 */
record FeedNumbers(long highest, long feedRows, Map<String, Long> outbox) {
    static FeedNumbers of(Jdbi jdbi) {
        return jdbi.withHandle(h -> new FeedNumbers(
                io.cohort.audience.MembershipRows.highestNumber(h),
                h.createQuery("SELECT COUNT(*) FROM membership_change").mapTo(Long.class).one(),
                h.createQuery("SELECT activation_id, person_id, seq FROM outbox").reduceRows(new HashMap<String, Long>(), (m, r) -> {
                    m.put(r.getColumn(1, String.class) + "/" + r.getColumn(2, String.class), r.getColumn(3, Long.class));
                    return m;
                })));
    }

    /** Asserts that changes were written since this moment, every one of them numbered after it. */
    void assertLaterChangesNumberedAfter(Jdbi jdbi) {
        FeedNumbers now = of(jdbi);
        assertThat(now.feedRows).as("changes written since").isGreaterThan(feedRows);
        long amongEarlier = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM membership_change WHERE seq <= ?")
                .bind(0, highest).mapTo(Long.class).one());
        assertThat(amongEarlier).as("changes numbered among those stored before them").isEqualTo(feedRows);
        outbox.forEach((row, seq) -> {
            long later = now.outbox.get(row);
            if (later != seq) assertThat(later).as("outbox row %s written again: its seq", row).isGreaterThan(highest);
        });
        now.outbox.forEach((row, seq) -> {
            if (!outbox.containsKey(row)) assertThat(seq).as("new outbox row %s: its seq", row).isGreaterThan(highest);
        });
    }
}
