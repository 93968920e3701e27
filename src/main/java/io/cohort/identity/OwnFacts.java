package io.cohort.identity;

import io.cohort.identity.SourceIndex.SourcePerson;
import io.cohort.model.Activity;
import io.cohort.record.SourceRecord.PersonRecord;
import io.cohort.record.SourceRef;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a build of people's own facts ({@link ProfileGraph#ownFacts}) keeps for a later build of
 * the same people's whole neighbourhoods: per person, what the index said of them and the facts
 * made of it. Its entries are the index's own objects, so it is read only under the graph's read
 * lock and only while the graph has made no change since ({@link #sameBuild}); then everything
 * here is what a fresh build would find and make.
 *
 * @param writes      the graph's change count when it was built
 * @param eventsAfter the Activity's events start after this instant (epoch millis)
 * @param people      per unified id with a record
 */
record OwnFacts(long writes, long eventsAfter, Map<String, Own> people) {
    /**
     * One person's own part.
     *
     * @param activity null when the first build did not make it (its rules read no Activity)
     */
    record Own(Set<SourceRef> refs, List<SourcePerson> entries, List<Stamped<PersonRecord>> records,
                  io.cohort.model.Person fact, Activity activity) {}

    /** Whether this was built from the graph as it is now, with the same window of events. */
    boolean sameBuild(long writesNow, long eventsAfterNow) { return writes == writesNow && eventsAfter == eventsAfterNow; }
}
