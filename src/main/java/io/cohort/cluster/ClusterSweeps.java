package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.Sweep;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.header.Header;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * How far the cluster's sweep has got (cluster_sweep, cluster_sweep_progress): a sweep's work
 * runs on every node's workers, so no node sees its progress by itself. The process that
 * publishes a sweep's work (the relay for rule edits and re-evaluate, the clock holder for the
 * clock's sweep) begins it first and tags its messages with its id ({@value #HEADER}); each worker
 * adds the people it evaluated for it in the transaction that commits their results.
 *
 * <p>One sweep is shown at a time: a sweep begun while another is unfinished takes over its
 * segments. Its messages follow the earlier one's in every partition the same publisher wrote,
 * so when it is done the earlier one is too.
 */
public final class ClusterSweeps {
    /** The work message header that names the sweep a message belongs to (its id, in decimal). */
    static final String HEADER = "cohort-sweep";

    private final Jdbi jdbi;
    private final ObjectMapper mapper;

    public ClusterSweeps(Jdbi jdbi, ObjectMapper mapper) {
        this.jdbi = jdbi;
        this.mapper = mapper;
    }

    /**
     * Begins a sweep of {@code people} for {@code segments} (empty: every segment), before any of
     * its messages is published; returns the id its messages carry.
     */
    long begin(WorkCause cause, String rulesVersion, Set<String> segments, int people, long nowMillis) {
        return jdbi.inTransaction(h -> {
            // The relay and the clock holder may be different processes: one sweep row at a time.
            h.execute("LOCK TABLE cluster_sweep IN EXCLUSIVE MODE");
            boolean every = segments.isEmpty();
            Set<String> union = new TreeSet<>(segments);
            // Read with no segments for "every": a sweep of some segments always names one.
            Optional<Sweep> before = current(h, Set.of());
            if (before.isPresent()) {
                every |= before.get().segments().isEmpty();
                union.addAll(before.get().segments());
            }
            long id = h.createQuery("SELECT nextval('cluster_sweep_seq')").mapTo(Long.class).one();
            h.execute("DELETE FROM cluster_sweep");
            h.execute("DELETE FROM cluster_sweep_progress");
            h.execute("INSERT INTO cluster_sweep (id, cause, rules_version, every_segment, segments, since, people) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    id, cause.text, rulesVersion, every, SegmentJson.write(mapper, every ? Set.of() : union), nowMillis, people);
            return id;
        });
    }

    /**
     * Within a worker's commit: adds the people of one partition evaluated for each sweep (by id).
     * A sweep that another has replaced meanwhile counts nothing.
     */
    static void count(Handle h, int partition, Map<Long, Integer> evaluated) {
        evaluated.forEach((sweep, n) -> h.execute("INSERT INTO cluster_sweep_progress (sweep_id, part, evaluated) "
                + "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM cluster_sweep WHERE id = ?) "
                + "ON CONFLICT (sweep_id, part) DO UPDATE SET evaluated = cluster_sweep_progress.evaluated + EXCLUDED.evaluated",
                sweep, partition, (long) n, sweep));
    }

    /**
     * The sweep in progress; empty when none runs or its people are all evaluated.
     *
     * @param everySegment the segments of the rules in use, for a sweep of every segment
     */
    public Optional<Sweep> current(Set<String> everySegment) {
        return jdbi.withHandle(h -> current(h, everySegment));
    }

    private Optional<Sweep> current(Handle h, Set<String> everySegment) {
        return h.createQuery("SELECT s.cause, s.rules_version, s.every_segment, s.segments, s.since, s.people, "
                        + "COALESCE((SELECT SUM(p.evaluated) FROM cluster_sweep_progress p WHERE p.sweep_id = s.id), 0) AS evaluated "
                        + "FROM cluster_sweep s")
                .map((rs, ctx) -> {
                    Set<String> segments = rs.getBoolean("every_segment") ? new TreeSet<>(everySegment) : SegmentJson.read(mapper, rs.getString("segments"));
                    int people = rs.getInt("people");
                    long evaluated = rs.getLong("evaluated");
                    return evaluated >= people ? null : new Sweep(rs.getString("cause"), rs.getString("rules_version"),
                            List.copyOf(segments), Instant.ofEpochMilli(rs.getLong("since")), people, (int) evaluated);
                })
                .findFirst().flatMap(Optional::ofNullable);
    }

    /** The sweep a message belongs to; 0 for none (or a header this version did not write). */
    static long of(Header header) {
        if (header == null || header.value() == null) return 0;
        try {
            return Long.parseLong(new String(header.value(), StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static byte[] header(long sweep) { return Long.toString(sweep).getBytes(StandardCharsets.US_ASCII); }
}
