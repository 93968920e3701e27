package io.cohort.identity;

import io.cohort.record.SourceRef;
import java.util.HashSet;
import java.util.Set;

/**
 * What applying a batch touched, in source terms; {@link ProfileGraph#affected} turns it into the
 * people whose neighbourhood changed. Filled while the batch is applied, so that a person's
 * unified id before an email change is known too.
 */
public final class Touched {
    /** Unified ids of people whose own facts changed (record, events, memberships), before and after. */
    final Set<String> people = new HashSet<>();
    /**
     * The source person records behind {@link #people}: a deleted record's relations still name
     * it, and the people who saw it through them must be told (rules that look two steps).
     */
    final Set<SourceRef> personRefs = new HashSet<>();
    /** Source accounts whose account-level facts changed: record, MDM link, sameAs, the deals on it. */
    final Set<SourceRef> accounts = new HashSet<>();
    /** Source opportunities whose record changed. */
    final Set<SourceRef> opportunities = new HashSet<>();
    /** Relations that appeared or went: {person ref, account or opportunity ref, kind 'A' or 'O'}. */
    final Set<Relation> relations = new HashSet<>();
    /** Campaigns and lists (source refs) whose record changed. */
    final Set<SourceRef> globals = new HashSet<>();
    /**
     * People whose events changed (their Activity), and their source person records: kept apart,
     * because an event changes only what rules that match an Activity can see.
     */
    final Set<String> eventPeople = new HashSet<>();
    final Set<SourceRef> eventRefs = new HashSet<>();
    /** Person nodes whose events changed (their Activity), for metrics and tests. */
    int events;

    record Relation(SourceRef person, SourceRef other, char kind) {}

    /** People whose own facts changed without a record changing: time moved their events out of a window. */
    public static Touched ofPeople(java.util.Collection<String> uids) {
        Touched t = new Touched();
        t.people.addAll(uids);
        return t;
    }

    public boolean isEmpty() {
        return people.isEmpty() && accounts.isEmpty() && opportunities.isEmpty() && relations.isEmpty() && globals.isEmpty()
                && eventPeople.isEmpty();
    }

    /** Whether events changed (their people's Activity). */
    public boolean hasEvents() { return !eventPeople.isEmpty(); }

    /** Everything but the events. */
    public Touched withoutEvents() {
        Touched t = new Touched();
        t.addAll(this);
        t.eventPeople.clear();
        t.eventRefs.clear();
        t.events = 0;
        return t;
    }

    /** Only the events: their people, as if their own facts had changed. */
    public Touched eventsOnly() {
        Touched t = new Touched();
        t.people.addAll(eventPeople);
        t.personRefs.addAll(eventRefs);
        t.events = events;
        return t;
    }

    /** Merges another batch's touches into this one (evaluation coalesces batches). */
    public void addAll(Touched o) {
        people.addAll(o.people);
        personRefs.addAll(o.personRefs);
        accounts.addAll(o.accounts);
        opportunities.addAll(o.opportunities);
        relations.addAll(o.relations);
        globals.addAll(o.globals);
        eventPeople.addAll(o.eventPeople);
        eventRefs.addAll(o.eventRefs);
        events += o.events;
    }

    @Override public String toString() {
        return "Touched[people=" + people.size() + ", accounts=" + accounts.size() + ", opportunities=" + opportunities.size()
                + ", relations=" + relations.size() + ", globals=" + globals.size() + ", eventPeople=" + eventPeople.size() + "]";
    }
}
