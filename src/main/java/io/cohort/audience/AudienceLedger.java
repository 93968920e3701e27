package io.cohort.audience;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.engine.EngineState;
import io.cohort.engine.MembershipDelta;
import io.cohort.engine.MembershipSink;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.Round;
import io.cohort.identity.UnifiedIds;
import io.cohort.model.Qualified;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.collections.impl.map.mutable.primitive.LongObjectHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Persists what the engine reports: memberships, their transitions and — in the same transaction
 * — the outbox state of every activation of the segment. Consent is applied here: a person who
 * opted out is never exported and is removed where they were.
 */
public final class AudienceLedger implements MembershipSink {
    private final Jdbi jdbi;
    private final ObjectMapper mapper;
    private final List<ActivationBinding> activations;
    private final Runnable onCommitted;
    private final AtomicLong seq;
    /**
     * segment → how many realized members; read by the API, written only by the evaluator thread.
     * Counts, not the members: the store has them (a consent change and a new activation read
     * them there), and a set per segment beside the evaluator's own arrays held every membership
     * twice (~9.6M set entries at 1M people and 60 segments: 415 MB, and an eighth of the stored
     * memberships' read at start).
     */
    private final Map<String, Integer> sizes = new ConcurrentHashMap<>();
    private final Set<String> optedOut = new HashSet<>();
    private final java.util.function.Function<String, Optional<PersonSnapshot>> lookup;
    private final SegmentHistory history;

    public AudienceLedger(Jdbi jdbi, ObjectMapper mapper, List<ActivationBinding> activations, Runnable onCommitted) {
        this(jdbi, mapper, activations, onCommitted, id -> Optional.empty());
    }

    /**
     * @param lookup a person as the audience stage needs them, for members a round brings no snapshot
     *               of (a new activation exports the current members from the graph)
     */
    public AudienceLedger(Jdbi jdbi, ObjectMapper mapper, List<ActivationBinding> activations, Runnable onCommitted,
                          java.util.function.Function<String, Optional<PersonSnapshot>> lookup) {
        this.lookup = lookup;
        this.jdbi = jdbi;
        this.mapper = mapper;
        this.activations = List.copyOf(activations);
        this.onCommitted = onCommitted;
        this.history = new SegmentHistory(jdbi);
        this.seq = new AtomicLong(jdbi.withHandle(MembershipRows::highestNumber));
    }

    @Override
    public List<Qualified> realized() {
        // Rows grouped by person, so the evaluator makes each person's segments in one go, and one
        // string per person and per segment (a member of k segments was k copies of their id). People
        // are told apart by their id's 64 bits: hashing and comparing 9.6M id strings was most of
        // this read at 1M people and 60 segments, and then the evaluator's, per row.
        Map<String, String> segments = new HashMap<>();
        LongObjectHashMap<PersonRows> people = new LongObjectHashMap<>();
        Map<String, PersonRows> otherIds = new HashMap<>(); // ids not of the person-id form (none are written)
        Map<String, Integer> counts = new HashMap<>();
        int[] rows = {0};
        // A page of rows at a time (WholeTableReads): otherwise every row (9.6M at 1M people and 60
        // segments) is held in memory (PostgreSQL) or written to a temporary file (H2) before the first is read.
        io.cohort.store.WholeTableReads.stream(jdbi, h -> h.createQuery("SELECT segment_id, person_id FROM membership WHERE status = 'realized'")
                .setFetchSize(10_000)
                .map((rs, ctx) -> {
                    String segment = segments.computeIfAbsent(rs.getString(1), k -> k);
                    String id = rs.getString(2);
                    PersonRows p;
                    if (UnifiedIds.isPersonId(id)) {
                        long key = UnifiedIds.personKey(id);
                        p = people.get(key);
                        if (p == null) people.put(key, p = new PersonRows(id));
                    } else {
                        p = otherIds.computeIfAbsent(id, PersonRows::new);
                    }
                    p.add(segment);
                    counts.merge(segment, 1, Integer::sum);
                    return p;
                })
                .forEach(p -> rows[0]++));
        List<Qualified> out = new ArrayList<>(rows[0]);
        people.forEachValue(p -> p.into(out));
        otherIds.values().forEach(p -> p.into(out));
        sizes.clear();
        sizes.putAll(counts);
        return out;
    }

    /**
     * The realized memberships of a copy written at the last clean stop, when it is of what the
     * database holds: the same highest change number (any change the audience stage stores takes a
     * new one) and the same number of realized rows (a row deleted by hand takes none). Empty
     * otherwise: read them with {@link #realized()}.
     */
    public Optional<List<Qualified>> realizedFrom(MembershipCopy.Contents copy) {
        if (copy.stamp().lastNumber() != seq.get()) return Optional.empty();
        long rows = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM membership WHERE status = 'realized'")
                .mapTo(Long.class).one());
        if (rows != copy.stamp().realized()) return Optional.empty();
        Map<String, Integer> counts = new HashMap<>();
        for (Qualified q : copy.realized()) counts.merge(q.segmentId(), 1, Integer::sum);
        sizes.clear();
        sizes.putAll(counts);
        return Optional.of(copy.realized());
    }

    /** The highest change number given so far (stored, or lost with a transaction that failed). */
    public long lastNumber() { return seq.get(); }

    /** One person's stored segments, while they are read. */
    private static final class PersonRows {
        final String id;
        private String[] segments = new String[2];
        private int n;

        PersonRows(String id) { this.id = id; }

        void add(String segment) {
            if (n == segments.length) segments = Arrays.copyOf(segments, n * 2);
            segments[n++] = segment;
        }

        void into(List<Qualified> out) { for (int i = 0; i < n; i++) out.add(new Qualified(segments[i], id)); }
    }

    @Override
    public void apply(Round round) {
        // Nothing to store: members handed over only so that a consent change is noticed.
        if (round.deltas().isEmpty() && round.state() == null && !consentChanged(round)) return;
        List<Runnable> afterCommit = new ArrayList<>();
        jdbi.useTransaction(h -> {
            OutboxWriter outbox = new OutboxWriter(h, mapper, round.at().toEpochMilli());
            Map<String, long[]> tally = new TreeMap<>(); // segment → {entered, exited} of this round
            List<MembershipRows.Row> rows = new ArrayList<>(round.deltas().size());
            for (MembershipDelta d : round.deltas()) {
                tally.computeIfAbsent(d.segmentId(), k -> new long[2])[d.entered() ? 0 : 1]++;
                long s = seq.incrementAndGet();
                // Every person evaluated comes with a snapshot; one the graph no longer has (an exit
                // after a delete) has none, and its outbox row keeps the payload it was added with.
                PersonSnapshot p = round.people().get(d.personId());
                if (p == null) p = lookup.apply(d.personId()).orElse(null);
                rows.add(new MembershipRows.Row(d, s, p == null ? null : p.email()));
                boolean export = d.entered() && p != null && !p.emailOptOut();
                for (ActivationBinding a : bindings(d.segmentId())) {
                    outbox.want(a.id(), d.personId(), export, s, p);
                }
                afterCommit.add(() -> sizes.merge(d.segmentId(), d.entered() ? 1 : -1, Integer::sum));
            }
            MembershipRows.recordAll(h, rows, round.at().toEpochMilli(), round.cause());
            consentChanges(h, round, outbox);
            outbox.flush();
            saveState(h, round.state(), round.at().toEpochMilli());
            long day = SegmentHistory.epochDay(round.at().toEpochMilli());
            tally.forEach((segment, n) -> history.add(h, segment, day, n[0], n[1], size(segment) + n[0] - n[1]));
        });
        afterCommit.forEach(Runnable::run);
        if (!round.deltas().isEmpty()) onCommitted.run();
    }

    private boolean consentChanged(Round round) {
        for (PersonSnapshot p : round.people().values()) if (p.emailOptOut() != optedOut.contains(p.id())) return true;
        return false;
    }

    @Override
    public EngineState state() {
        return jdbi.withHandle(h -> h.createQuery("SELECT rules_version, signatures, evaluated_up_to, clock_at, swept_at FROM engine_state WHERE id = 1")
                .map((rs, ctx) -> new EngineState(rs.getString(1), signatures(rs.getString(2)), rs.getLong(3),
                        orUnknown(rs.getObject(4, Long.class)), orUnknown(rs.getObject(5, Long.class))))
                .findOne().orElse(EngineState.NONE));
    }

    @Override
    public void checkpoint(EngineState state) {
        jdbi.useTransaction(h -> saveState(h, state, System.currentTimeMillis()));
    }

    private void saveState(Handle h, EngineState state, long at) {
        if (state == null) return;
        String sigs;
        try {
            sigs = mapper.writeValueAsString(state.signatures());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Long clockAt = state.clockAt() < 0 ? null : state.clockAt();
        Long sweptAt = state.sweptAt() < 0 ? null : state.sweptAt();
        int n = h.execute("UPDATE engine_state SET rules_version = ?, signatures = ?, evaluated_up_to = ?, updated_at = ?, "
                + "clock_at = ?, swept_at = ? WHERE id = 1", state.rulesVersion(), sigs, state.evaluatedUpTo(), at, clockAt, sweptAt);
        if (n == 0) {
            h.execute("INSERT INTO engine_state (id, rules_version, signatures, evaluated_up_to, updated_at, clock_at, swept_at) "
                    + "VALUES (1, ?, ?, ?, ?, ?, ?)", state.rulesVersion(), sigs, state.evaluatedUpTo(), at, clockAt, sweptAt);
        }
    }

    private static long orUnknown(Long v) { return v == null ? -1 : v; }

    private Map<String, String> signatures(String json) {
        try {
            return mapper.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Map.of(); // unreadable: every segment counts as changed and is evaluated again
        }
    }

    /**
     * A person whose consent flipped is removed from (or re-added to) the activations of every
     * segment they are in after this round: read in the round's transaction, after its transitions
     * are written (a segment they just left is not one to re-add them to).
     */
    private void consentChanges(Handle h, Round round, OutboxWriter outbox) {
        Map<String, PersonSnapshot> flipped = new HashMap<>();
        for (PersonSnapshot p : round.people().values()) {
            boolean was = optedOut.contains(p.id());
            if (p.emailOptOut() == was) continue;
            if (p.emailOptOut()) optedOut.add(p.id());
            else optedOut.remove(p.id());
            flipped.put(p.id(), p);
        }
        MembershipRows.segmentsOf(h, flipped.keySet()).forEach((id, segments) -> {
            PersonSnapshot p = flipped.get(id);
            for (String segment : segments) {
                for (ActivationBinding a : bindings(segment)) outbox.want(a.id(), id, !p.emailOptOut(), seq.incrementAndGet(), p);
            }
        });
    }

    /**
     * Activations not seen before first receive the segment's current members. Called once at
     * start, after the first evaluation.
     */
    public void registerActivations(long nowMillis) {
        List<Runnable> afterCommit = new ArrayList<>();
        jdbi.useTransaction(h -> {
            Set<String> known = new HashSet<>(h.createQuery("SELECT id FROM activation").mapTo(String.class).list());
            OutboxWriter outbox = new OutboxWriter(h, mapper, nowMillis);
            for (ActivationBinding a : activations) {
                if (known.contains(a.id())) continue;
                h.execute("INSERT INTO activation (id, segment_id, destination_id, created_at) VALUES (?, ?, ?, ?)",
                        a.id(), a.segmentId(), a.destinationId(), nowMillis);
                for (String pid : MembershipRows.members(h, a.segmentId())) {
                    PersonSnapshot p = lookup.apply(pid).orElse(null);
                    if (p != null && !p.emailOptOut()) outbox.want(a.id(), pid, true, seq.incrementAndGet(), p);
                }
                afterCommit.add(onCommitted);
            }
            outbox.flush();
        });
        afterCommit.forEach(Runnable::run);
    }

    public int size(String segmentId) { return sizes.getOrDefault(segmentId, 0); }

    private List<ActivationBinding> bindings(String segmentId) {
        return activations.stream().filter(a -> a.segmentId().equals(segmentId)).toList();
    }
}
