package io.cohort.audience;

import io.cohort.engine.MembershipDelta;
import org.jdbi.v3.core.Handle;

/**
 * The SQL of one membership transition, within the caller's transaction: the membership row and
 * its line in the change feed. Shared by the single-process ledger and cluster workers, so both
 * write the same shape.
 */
public final class MembershipRows {
    private MembershipRows() {}

    /** @param seq the change's place in the feed; {@code email} kept when null */
    public static void record(Handle h, MembershipDelta d, long seq, long at, String cause, String email) {
        int updated = d.entered()
                ? h.execute("UPDATE membership SET status = 'realized', qualified_at = ?, exited_at = NULL, change_seq = ?, "
                        + "email = COALESCE(?, email) WHERE segment_id = ? AND person_id = ?", at, seq, email, d.segmentId(), d.personId())
                : h.execute("UPDATE membership SET status = 'exited', exited_at = ?, change_seq = ? "
                        + "WHERE segment_id = ? AND person_id = ?", at, seq, d.segmentId(), d.personId());
        if (updated == 0) {
            h.execute("INSERT INTO membership (segment_id, person_id, status, email, qualified_at, exited_at, change_seq) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", d.segmentId(), d.personId(), d.entered() ? "realized" : "exited",
                    email, d.entered() ? at : null, d.entered() ? null : at, seq);
        }
        h.execute("INSERT INTO membership_change (seq, segment_id, person_id, change, at, cause) VALUES (?, ?, ?, ?, ?, ?)",
                seq, d.segmentId(), d.personId(), d.entered() ? "entered" : "exited", at, cause);
    }
}
