package io.cohort.record;

/**
 * One String instance per distinct value of the fields that repeat across records (titles,
 * countries, first names, stages, roles, event types, page URLs): the profile graph holds every
 * record for as long as it is current, and at a million profiles the copies of "United States"
 * and "VP Sales" were a good part of the heap. Ids too: a person's id is also in each of their
 * relations and in the index keys made from them. The JVM's string table lets go of unused ones.
 */
final class Values {
    private Values() {}

    /** Longer values rarely repeat; they are kept as they are. */
    private static final int MAX_SHARED = 256;

    static String shared(String s) {
        return s == null || s.length() > MAX_SHARED ? s : s.intern();
    }
}
