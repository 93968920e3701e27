package io.cohort.audience;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Every segment's daily size history (table {@code segment_day}, db/005-segment-day.xml): per UTC
 * day with a change, how many entered and exited and the members at the day's end. The ledger
 * writes it in the transaction of the membership changes, so it never disagrees with the feed.
 */
public final class SegmentHistory {
    private static final long DAY_MILLIS = 86_400_000L;
    private final Jdbi jdbi;

    /** One day of a segment: members at its end (or now, for today), and the day's transitions. */
    public record Day(LocalDate date, long members, long entered, long exited) {}

    public SegmentHistory(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    static long epochDay(long epochMillis) { return Math.floorDiv(epochMillis, DAY_MILLIS); }

    /** Adds one round's transitions of a segment; {@code membersAfter} is its size after the round. */
    void add(Handle h, String segmentId, long epochDay, long entered, long exited, long membersAfter) {
        int updated = h.execute("UPDATE segment_day SET entered = entered + ?, exited = exited + ?, members = ? "
                + "WHERE segment_id = ? AND epoch_day = ?", entered, exited, membersAfter, segmentId, epochDay);
        if (updated == 0) {
            h.execute("INSERT INTO segment_day (segment_id, epoch_day, entered, exited, members) VALUES (?, ?, ?, ?, ?)",
                    segmentId, epochDay, entered, exited, membersAfter);
        }
    }

    /**
     * Adds transitions of a segment as a difference, for writers that do not know the segment's
     * size (cluster workers, several at once): the day's row starts from the members of the last
     * day before it and moves by {@code entered - exited}; the row's lock orders concurrent
     * writers, so the counts add up exactly. PostgreSQL.
     */
    public static void addDifference(Handle h, String segmentId, long epochMillis, long entered, long exited) {
        long day = epochDay(epochMillis);
        h.execute("INSERT INTO segment_day (segment_id, epoch_day, entered, exited, members) VALUES (?, ?, 0, 0, COALESCE((SELECT "
                + "members FROM segment_day WHERE segment_id = ? AND epoch_day < ? ORDER BY epoch_day DESC LIMIT 1), 0)) "
                + "ON CONFLICT (segment_id, epoch_day) DO NOTHING", segmentId, day, segmentId, day);
        h.execute("UPDATE segment_day SET entered = entered + ?, exited = exited + ?, members = members + ? - ? "
                + "WHERE segment_id = ? AND epoch_day = ?", entered, exited, entered, exited, segmentId, day);
    }

    /**
     * Every day from {@code from} to {@code to} (inclusive), oldest first; a day without changes
     * carries the members of the last day before it that had some (0 before the first).
     */
    public List<Day> days(String segmentId, LocalDate from, LocalDate to) {
        long first = from.toEpochDay();
        long last = to.toEpochDay();
        return jdbi.withHandle(h -> {
            long members = h.createQuery("SELECT members FROM segment_day WHERE segment_id = :s AND epoch_day < :d "
                            + "ORDER BY epoch_day DESC LIMIT 1")
                    .bind("s", segmentId).bind("d", first).mapTo(Long.class).findOne().orElse(0L);
            Map<Long, Day> changed = new HashMap<>();
            h.createQuery("SELECT epoch_day, members, entered, exited FROM segment_day "
                            + "WHERE segment_id = :s AND epoch_day BETWEEN :a AND :b")
                    .bind("s", segmentId).bind("a", first).bind("b", last)
                    .map((rs, ctx) -> new Day(LocalDate.ofEpochDay(rs.getLong(1)), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                    .forEach(d -> changed.put(d.date().toEpochDay(), d));
            List<Day> out = new ArrayList<>((int) (last - first + 1));
            for (long day = first; day <= last; day++) {
                Day d = changed.get(day);
                if (d != null) members = d.members();
                out.add(d != null ? d : new Day(LocalDate.ofEpochDay(day), members, 0, 0));
            }
            return out;
        });
    }
}
