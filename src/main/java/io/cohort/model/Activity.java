package io.cohort.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a unified person did: their experience events (web visits, email opens, form fills…) of the
 * last {@code engine.eventRetention} (90 days), from every source, as one fact. Every person has
 * exactly one, possibly empty. Rules ask it questions instead of matching events one by one:
 *
 * <pre>
 *   Activity(personId == $p.id, viewed("/products/new", $now.daysAgo(30)))
 *   Activity(personId == $p.id, count("web.webpagedetails.pageViews", $now.daysAgo(14)) >= 3)
 * </pre>
 *
 * Why one fact per person and not one per event: a Drools fact costs ~1 KB of heap with its handle
 * and memories, and a person has ~20 events; as facts, events were 90% of all facts and most of the
 * heap. Every window is "strictly after {@code since}, up to now", like
 * {@code timestamp > $now.daysAgo(30) && timestamp <= $now.instant}: rules see the fact as of the
 * evaluation's clock ({@link #asOf}), so an event a source dated ahead of the clock (ingestion takes
 * up to a day ahead, for skewed clocks) counts in no helper, in {@link #last} nor in
 * {@link #getEvents} until its own time, and the person is evaluated again then. Timestamps are
 * kept to the millisecond.
 */
@Describe("All of a person's events of the retention window, as one fact: ask it with the helpers")
public final class Activity implements Fact {
    public static final String PAGE_VIEW = "web.webpagedetails.pageViews";

    private final String personId;
    private final List<EventSeries> series;

    /** @param series the person's series, one per source person record (held, not copied: immutable) */
    public Activity(String personId, List<EventSeries> series) {
        this.personId = personId;
        this.series = List.copyOf(series);
    }

    public String key() { return "ACT:" + personId; }

    /**
     * This person's events as rules see them at {@code now}: without those dated after it (this
     * same fact when there is none, as there usually is not). Every evaluation inserts its Activity
     * facts through this, with the time of its {@link Now}; not a helper, so rules cannot call it.
     */
    public Activity asOf(Instant now) {
        long upTo = now.toEpochMilli(); // millis, as events are held: an event of this millisecond has happened
        boolean ahead = false;
        for (EventSeries s : series) ahead |= s.firstAfter(upTo) != Long.MAX_VALUE;
        if (!ahead) return this;
        List<EventSeries> kept = new ArrayList<>(series.size());
        for (EventSeries s : series) {
            EventSeries k = s.upTo(upTo);
            if (k.size() > 0) kept.add(k);
        }
        return new Activity(personId, kept);
    }

    @Ref(Entity.PERSON)
    @Describe("the unified person")
    public String getPersonId() { return personId; }

    /** Number of events of any type after {@code since}. */
    @Helper("events of any type strictly after since, up to now")
    public int count(Instant since) { return count(null, null, null, null, since); }

    /** Number of events of {@code eventType} after {@code since}. */
    @Helper("events of that type strictly after since, up to now")
    public int count(String eventType, Instant since) { return count(eventType, null, null, null, since); }

    /** Number of events of {@code eventType} after {@code since} whose URL path starts with {@code pathPrefix}. */
    @Helper("events of that type after since, up to now, whose URL path starts with pathPrefix")
    public int count(String eventType, String pathPrefix, Instant since) {
        return count(eventType, pathPrefix, null, null, since);
    }

    /** Number of events of {@code eventType} after {@code since} whose attribute {@code name} equals {@code value}. */
    @Helper("events of that type after since, up to now, whose attribute equals the value")
    public int countWhere(String eventType, String name, String value, Instant since) {
        return count(eventType, null, name, value, since);
    }

    /** Whether there is any event of {@code eventType} after {@code since}. */
    @Helper("whether there is an event of that type after since, up to now")
    public boolean any(String eventType, Instant since) { return count(eventType, since) > 0; }

    /** Whether the person viewed a page whose URL path starts with {@code pathPrefix} after {@code since}. */
    @Helper("whether a page under pathPrefix was viewed after since, up to now")
    public boolean viewed(String pathPrefix, Instant since) { return count(PAGE_VIEW, pathPrefix, since) > 0; }

    /** The time of the latest event of {@code eventType} (never after now), or null when there is none. */
    @Helper("the time of the latest event of that type up to now, or null")
    public Instant last(String eventType) {
        long best = Long.MIN_VALUE;
        for (EventSeries s : series) best = Math.max(best, s.last(eventType));
        return best == Long.MIN_VALUE ? null : Instant.ofEpochMilli(best);
    }

    /** Number of events held (all types, the whole retention window up to now). */
    @Helper("the number of events held (the whole retention window, up to now)")
    public int size() {
        int n = 0;
        for (EventSeries s : series) n += s.size();
        return n;
    }

    /**
     * The events, newest first, as values (made on every call: for reading, or for a rule that needs
     * a condition the methods above cannot say, with {@code from $activity.events}).
     */
    @Describe("the events, newest first, for from $activity.events; prefer the helpers")
    public List<Event> getEvents() {
        List<Event> out = new ArrayList<>(size());
        for (EventSeries s : series) for (int i = 0; i < s.size(); i++) out.add(s.event(i, personId));
        out.sort(Comparator.comparing(Event::timestamp).reversed());
        return out;
    }

    private int count(String eventType, String pathPrefix, String attr, String value, Instant since) {
        long after = since == null ? Long.MIN_VALUE : since.toEpochMilli();
        // Instant has finer precision than the stored millis: an event in the same millisecond as
        // `since` but after it in nanos is not distinguishable; it counts only if strictly later.
        int n = 0;
        for (EventSeries s : series) n += s.count(eventType, pathPrefix, attr, value, after);
        return n;
    }

    /** Equal when the same person holds the same series: a changed series is a new object. */
    @Override public boolean equals(Object o) {
        if (!(o instanceof Activity a) || !a.personId.equals(personId) || a.series.size() != series.size()) return false;
        for (int i = 0; i < series.size(); i++) if (a.series.get(i) != series.get(i)) return false;
        return true;
    }

    @Override public int hashCode() { return personId.hashCode(); }

    @Override public String toString() { return "Activity[" + personId + ", " + size() + " events]"; }
}
