package io.cohort.audience;

import io.cohort.engine.MembershipDelta;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The SQL of one membership transition, within the caller's transaction: the membership row and
 * its line in the change feed; and the two reads of current members both stages need. Shared by
 * the single-process ledger and cluster workers, so both write and read the same shape.
 */
public final class MembershipRows {
    private static final String ENTER = "UPDATE membership SET status = 'realized', qualified_at = ?, exited_at = NULL, "
            + "change_seq = ?, email = COALESCE(?, email) WHERE segment_id = ? AND person_id = ?";
    private static final String EXIT = "UPDATE membership SET status = 'exited', exited_at = ?, change_seq = ? "
            + "WHERE segment_id = ? AND person_id = ?";
    private static final String NEW = "INSERT INTO membership (segment_id, person_id, status, email, qualified_at, exited_at, "
            + "change_seq) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String FEED = "INSERT INTO membership_change (seq, segment_id, person_id, change, at, cause) "
            + "VALUES (?, ?, ?, ?, ?, ?)";

    /** The width of the membership and outbox tables' email columns. */
    public static final int EMAIL_COLUMN = 320;

    /**
     * The email as the columns can hold it: null (kept as it was, or none) when longer. A person's
     * email is stored lower-cased, which can lengthen it ("\u0130" becomes "i\u0307"): a record
     * whose email was 306 characters as sent was accepted, and every evaluation round after failed
     * writing its 606 (value too long for the column), retried each second with everyone's changes.
     */
    public static String storable(String email) {
        return email == null || email.length() > EMAIL_COLUMN ? null : email;
    }

    /** People whose segments one query reads. */
    private static final int PEOPLE_PER_QUERY = 500;

    private MembershipRows() {}

    /** The highest change number stored, in the feed or the outbox (0 when none): numbering goes on after it. */
    public static long highestNumber(Handle h) {
        return h.createQuery("SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM membership_change), 0), "
                + "COALESCE((SELECT MAX(seq) FROM outbox), 0))").mapTo(Long.class).one();
    }

    /** A segment's current members, in person id order (a new activation's first export). */
    public static List<String> members(Handle h, String segmentId) {
        return h.createQuery("SELECT person_id FROM membership WHERE segment_id = ? AND status = 'realized' ORDER BY person_id")
                .bind(0, segmentId).mapTo(String.class).list();
    }

    /** Each of {@code people}'s current segments, people and segments in id order; people in none are left out. */
    public static Map<String, Set<String>> segmentsOf(Handle h, Collection<String> people) {
        Map<String, Set<String>> out = new TreeMap<>();
        List<String> all = List.copyOf(people);
        for (int i = 0; i < all.size(); i += PEOPLE_PER_QUERY) {
            h.createQuery("SELECT person_id, segment_id FROM membership WHERE status = 'realized' AND person_id IN (<people>)")
                    .bindList("people", all.subList(i, Math.min(all.size(), i + PEOPLE_PER_QUERY)))
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                    .forEach(e -> out.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(e.getValue()));
        }
        return out;
    }

    /**
     * One transition to write.
     *
     * @param seq   the change's place in the feed
     * @param email kept as it is when null
     */
    public record Row(MembershipDelta delta, long seq, String email) {}

    /** @param seq the change's place in the feed; {@code email} kept when null */
    public static void record(Handle h, MembershipDelta d, long seq, long at, String cause, String email) {
        int updated = d.entered() ? h.execute(ENTER, at, seq, storable(email), d.segmentId(), d.personId())
                : h.execute(EXIT, at, seq, d.segmentId(), d.personId());
        if (updated == 0) h.execute(NEW, newRow(d, seq, at, email));
        h.execute(FEED, feedRow(d, seq, at, cause));
    }

    /**
     * As {@link #record} for each row, in JDBC batches: two statements per change were most of
     * what the engine's writer thread did in a 1M rule edit (20,000 changes), on a core the
     * evaluation workers needed. A (segment, person) that changes twice in one call (no round
     * does that) is written row by row, in order, as {@link #record} would.
     */
    public static void recordAll(Handle h, List<Row> rows, long at, String cause) {
        Set<String> seen = new HashSet<>();
        for (Row r : rows) {
            if (!seen.add(r.delta().segmentId() + "\u0000" + r.delta().personId())) {
                for (Row each : rows) record(h, each.delta(), each.seq(), at, cause, each.email());
                return;
            }
        }
        List<Row> entered = new ArrayList<>();
        List<Row> exited = new ArrayList<>();
        for (Row r : rows) (r.delta().entered() ? entered : exited).add(r);
        List<Row> missing = new ArrayList<>();
        update(h, ENTER, entered, r -> new Object[] {at, r.seq(), storable(r.email()), r.delta().segmentId(), r.delta().personId()},
                missing);
        update(h, EXIT, exited, r -> new Object[] {at, r.seq(), r.delta().segmentId(), r.delta().personId()}, missing);
        if (!missing.isEmpty()) {
            PreparedBatch b = h.prepareBatch(NEW);
            for (Row r : missing) b.add(newRow(r.delta(), r.seq(), at, r.email()));
            b.execute();
        }
        if (!rows.isEmpty()) {
            PreparedBatch b = h.prepareBatch(FEED);
            for (Row r : rows) b.add(feedRow(r.delta(), r.seq(), at, cause));
            b.execute();
        }
    }

    /** Runs one UPDATE per row as a batch; rows that updated nothing (no membership row yet) go to {@code missing}. */
    private static void update(Handle h, String sql, List<Row> rows, java.util.function.Function<Row, Object[]> args,
                               List<Row> missing) {
        if (rows.isEmpty()) return;
        PreparedBatch b = h.prepareBatch(sql);
        for (Row r : rows) b.add(args.apply(r));
        int[] counts = b.execute();
        for (int i = 0; i < counts.length; i++) {
            // A driver may answer a batch with "done, count unknown": that row's update, alone, tells.
            int n = counts[i] >= 0 ? counts[i] : h.execute(sql, args.apply(rows.get(i)));
            if (n == 0) missing.add(rows.get(i));
        }
    }

    private static Object[] newRow(MembershipDelta d, long seq, long at, String email) {
        return new Object[] {d.segmentId(), d.personId(), d.entered() ? "realized" : "exited", storable(email), d.entered() ? at : null,
                d.entered() ? null : at, seq};
    }

    private static Object[] feedRow(MembershipDelta d, long seq, long at, String cause) {
        return new Object[] {seq, d.segmentId(), d.personId(), d.entered() ? "entered" : "exited", at, cause};
    }
}
