package io.cohort.engine.sandbox;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the engine needs to know of a checked rule set to evaluate it one person at a time.
 *
 * @param depth    how many steps from a person the rules look (1: their accounts and deals; 2: also
 *                 the people of those): the size of the neighbourhood each person is evaluated with
 * @param segments per segment, the rules it depends on and how it depends on time
 * @param windows  the lengths (millis) of the windows rules count events in ($now.daysAgo(30)):
 *                 a person is evaluated again when one of their events leaves one; and 0 when
 *                 rules read events at all: an event dated ahead of the clock enters every
 *                 window at its own time, when the person is evaluated again too
 * @param fieldWindows stored times rules compare with the clock ("Opportunity.createdDate" →
 *                 offsets in millis, createdDate > $now.daysAgo(30) gives 30 days): as time moves,
 *                 the people who can see a fact whose time crossed an offset are evaluated again
 */
public record RuleSetShape(int depth, Map<String, SegmentShape> segments, long[] windows, Map<String, long[]> fieldWindows) {

    /**
     * @param rules          every rule the segment's result depends on: its own, and those deriving
     *                       the facts and segments it reads
     * @param level          how far the segment's own rules look
     * @param clockDependent a rule reads the time other than through a window (Activity helpers,
     *                       an event's timestamp, a watched stored time), so its members can change
     *                       as time passes in ways only a periodic sweep finds
     * @param windowed       a rule counts events in a window ending now (Activity helpers with
     *                       $now.daysAgo/hoursAgo) or compares a stored time with the clock:
     *                       members exit when the window passes their events or that time
     * @param readsEvents    a rule matches an Activity: only such segments can change when all that
     *                       changed is events
     * @param reads          the classes of the facts its rules match (in any position): facts of no
     *                       other class can change its result, so evaluating it alone builds no others
     */
    public record SegmentShape(String id, Set<String> rules, int level, boolean clockDependent, boolean windowed,
                               boolean readsEvents, Set<Class<?>> reads) {}

    public Optional<SegmentShape> segment(String id) { return Optional.ofNullable(segments.get(id)); }

    /**
     * The classes of the facts the rules of {@code ids} match; empty when one of them is unknown
     * here (then nothing may be left out).
     */
    public Optional<Set<Class<?>>> reads(Set<String> ids) {
        Set<Class<?>> out = new java.util.HashSet<>();
        for (String id : ids) {
            SegmentShape s = segments.get(id);
            if (s == null) return Optional.empty();
            out.addAll(s.reads());
        }
        return Optional.of(out);
    }

    public static final RuleSetShape EMPTY = new RuleSetShape(1, Map.of(), new long[0], Map.of());
}
