package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The evaluation a rule apply owes the cluster (cluster_rule_work). The apply writes it in its own
 * transaction, with the new version; the work relay publishes it and deletes it. So an apply whose
 * process dies, or whose Kafka is away, right after the commit leaves its work for the relay
 * instead of losing it (the edited segments would keep their old members, and a retry of the apply
 * finds the cluster on that version already). The re-evaluate task records its work for everyone
 * here too, for the same reason.
 */
final class RuleWork {
    /** Work not yet on the topic; {@code segments} empty: every segment; {@code cause} as the change feed names it. */
    record Pending(long seq, String version, Set<String> segments, WorkCause cause) {}

    private final ObjectMapper mapper;

    RuleWork(ObjectMapper mapper) { this.mapper = mapper; }

    /**
     * Within the apply's transaction, after {@link RuleFence#lock}: owes the evaluation of
     * {@code segments} (empty optional: every segment) with {@code version}. Work still pending from
     * an earlier apply is kept: the people are evaluated for its segments and these together, named
     * by the latest {@code cause}.
     */
    void record(Handle h, String version, Optional<Set<String>> segments, long nowMillis, WorkCause cause) {
        Optional<Pending> before = pending(h);
        boolean every = segments.isEmpty() || before.map(p -> p.segments().isEmpty()).orElse(false);
        Set<String> union = new TreeSet<>();
        if (!every) {
            union.addAll(segments.get());
            before.ifPresent(p -> union.addAll(p.segments()));
        }
        long seq = before.map(Pending::seq).orElse(0L) + 1;
        String json = SegmentJson.write(mapper, union);
        if (h.execute("UPDATE cluster_rule_work SET seq = ?, version = ?, every_segment = ?, segments = ?, recorded_at = ?, cause = ? "
                + "WHERE id = 1", seq, version, every, json, nowMillis, cause.text) == 0) {
            h.execute("INSERT INTO cluster_rule_work (id, seq, version, every_segment, segments, recorded_at, cause) "
                    + "VALUES (1, ?, ?, ?, ?, ?, ?)", seq, version, every, json, nowMillis, cause.text);
        }
    }

    Optional<Pending> pending(Jdbi jdbi) { return jdbi.withHandle(this::pending); }

    Optional<Pending> pending(Handle h) {
        return h.createQuery("SELECT seq, version, every_segment, segments, cause FROM cluster_rule_work WHERE id = 1")
                .map((rs, ctx) -> new Pending(rs.getLong("seq"), rs.getString("version"),
                        rs.getBoolean("every_segment") ? Set.of() : SegmentJson.read(mapper, rs.getString("segments")),
                        WorkCause.named(rs.getString("cause"), WorkCause.RULES)))
                .findOne();
    }

    /** The work of {@code seq} is on the topic; false when a later apply replaced it (then that one is published next). */
    static boolean published(Jdbi jdbi, long seq) {
        return jdbi.withHandle(h -> h.execute("DELETE FROM cluster_rule_work WHERE id = 1 AND seq = ?", seq)) > 0;
    }
}
