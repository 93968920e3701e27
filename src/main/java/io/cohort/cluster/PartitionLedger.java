package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.ActivationBinding;
import io.cohort.audience.MembershipRows;
import io.cohort.audience.OutboxWriter;
import io.cohort.audience.SegmentHistory;
import io.cohort.engine.MembershipDelta;
import io.cohort.engine.PeopleEvaluation;
import io.cohort.engine.PersonSnapshot;
import java.util.*;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes what a worker evaluated into the audience tables, inside the worker's commit transaction:
 * memberships, the change feed and the outbox, shaped as the single-process {@code AudienceLedger}
 * writes them. Nothing is kept in memory: the memberships before are read from the database, so a
 * partition that moved to another process continues from exactly what was committed, and
 * evaluating a person whose data did not change writes nothing. Sequence numbers come from the
 * database sequence cluster_change_seq, as several processes write.
 */
final class PartitionLedger {
    private final ObjectMapper mapper;
    private final java.util.function.Function<Handle, List<ActivationBinding>> activations;

    /** @param activations the activations to write outbox rows for, as of the commit's transaction */
    PartitionLedger(ObjectMapper mapper, java.util.function.Function<Handle, List<ActivationBinding>> activations) {
        this.mapper = mapper;
        this.activations = activations;
    }

    /**
     * @param declared the segments of the rule set the outcome was computed with: a stored
     *                 membership of any other segment (removed from the rules) exits
     * @return the membership changes written
     */
    List<MembershipDelta> write(Handle h, Collection<String> subjects, PeopleEvaluation.Outcome outcome, Set<String> declared,
                                String cause, long at) {
        Map<String, List<ActivationBinding>> bySegment = new HashMap<>();
        for (ActivationBinding a : activations.apply(h)) bySegment.computeIfAbsent(a.segmentId(), k -> new ArrayList<>()).add(a);
        Map<String, Set<String>> before = MembershipRows.segmentsOf(h, subjects);
        List<MembershipDelta> deltas = new ArrayList<>();
        for (String p : subjects) {
            Set<String> was = before.getOrDefault(p, Set.of());
            Set<String> now = outcome.qualified().getOrDefault(p, Set.of());
            Set<String> segments = new TreeSet<>(outcome.evaluated());
            for (String seg : was) if (!declared.contains(seg)) segments.add(seg);
            for (String seg : segments) {
                if (now.contains(seg) != was.contains(seg)) deltas.add(new MembershipDelta(seg, p, now.contains(seg)));
            }
        }
        OutboxWriter outbox = new OutboxWriter(h, mapper, at);
        Iterator<Long> seqs = sequence(h, deltas.size()).iterator();
        List<MembershipRows.Row> rows = new ArrayList<>(deltas.size());
        for (MembershipDelta d : deltas) {
            long s = seqs.next();
            PersonSnapshot p = outcome.people().get(d.personId());
            rows.add(new MembershipRows.Row(d, s, p == null ? null : p.email()));
            for (ActivationBinding a : bySegment.getOrDefault(d.segmentId(), List.of())) {
                outbox.want(a.id(), d.personId(), d.entered() && p != null && !p.emailOptOut(), s, p);
            }
        }
        MembershipRows.recordAll(h, rows, at, cause);
        consent(h, outbox, before, deltas, outcome, bySegment);
        outbox.flush();
        // The segments' daily history, in the same transaction as the feed it counts.
        Map<String, long[]> counts = new TreeMap<>();
        for (MembershipDelta d : deltas) counts.computeIfAbsent(d.segmentId(), k -> new long[2])[d.entered() ? 0 : 1]++;
        counts.forEach((seg, c) -> SegmentHistory.addDifference(h, seg, at, c[0], c[1]));
        return deltas;
    }

    /**
     * A member whose consent flipped leaves (or rejoins) every activation of their segments. The
     * outbox writer skips rows already in the wanted state, so unchanged members write nothing.
     */
    private void consent(Handle h, OutboxWriter outbox, Map<String, Set<String>> before, List<MembershipDelta> deltas,
                         PeopleEvaluation.Outcome outcome, Map<String, List<ActivationBinding>> bySegment) {
        Set<String> changed = new HashSet<>();
        deltas.forEach(d -> changed.add(d.segmentId() + "\u0000" + d.personId()));
        List<String[]> wants = new ArrayList<>();
        before.forEach((person, segments) -> {
            PersonSnapshot p = outcome.people().get(person);
            if (p == null) return;
            for (String seg : segments) {
                if (changed.contains(seg + "\u0000" + person) || !outcome.evaluated().contains(seg)) continue;
                for (ActivationBinding a : bySegment.getOrDefault(seg, List.of())) wants.add(new String[] {a.id(), person});
            }
        });
        if (wants.isEmpty()) return;
        Iterator<Long> seqs = sequence(h, wants.size()).iterator();
        for (String[] w : wants) {
            PersonSnapshot p = outcome.people().get(w[1]);
            outbox.want(w[0], w[1], !p.emailOptOut(), seqs.next(), p);
        }
    }

    /**
     * Moves the sequence past every number already in the change feed and the outbox. Single mode
     * numbers on from the highest stored number, not from the sequence: a cluster started again on
     * a database single mode used in between handed out numbers single mode had taken, so its
     * changes collided with single mode's (retried until the sequence passed them) and sorted
     * before older ones, in the feed and for receivers that keep the change with the highest
     * {@code seq}. Serialized by a table lock that conflicts with itself, so that two processes
     * starting at once cannot set the sequence back under numbers one of them handed out.
     *
     * @return whether the sequence was moved
     */
    static boolean numberAfterStored(Jdbi jdbi) {
        return jdbi.inTransaction(h -> {
            h.execute("LOCK TABLE membership_change IN SHARE ROW EXCLUSIVE MODE");
            long stored = MembershipRows.highestNumber(h);
            // last_value is the next number while nothing was drawn (is_called false), the last one drawn after.
            long last = h.createQuery("SELECT last_value FROM cluster_change_seq").mapTo(Long.class).one();
            if (stored < last) return false;
            h.createQuery("SELECT setval('cluster_change_seq', :v)").bind("v", stored).mapTo(Long.class).one();
            return true;
        });
    }

    static List<Long> sequence(Handle h, int n) {
        if (n == 0) return List.of();
        return h.createQuery("SELECT nextval('cluster_change_seq') FROM generate_series(1, :n)").bind("n", n)
                .mapTo(Long.class).list().stream().sorted().toList();
    }
}
