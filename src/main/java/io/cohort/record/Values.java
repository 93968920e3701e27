package io.cohort.record;

/**
 * One String instance per distinct value of the fields that repeat across records (titles,
 * countries, first names, stages, roles, event types, page URLs): the profile graph holds every
 * record for as long as it is current, and at a million profiles the copies of "United States"
 * and "VP Sales" were a good part of the heap. Ids too: a person's id is also in each of their
 * relations and in the index keys made from them. The JVM's string table lets go of unused ones.
 */
public final class Values {
    private Values() {}

    /** Longer values rarely repeat; they are kept as they are. */
    private static final int MAX_SHARED = 256;

    /** What {@link #asGiven} runs. */
    public interface Body<T, E extends Exception> {
        T call() throws E;
    }

    /** Set while a reader whose strings are shared already builds records on this thread. */
    private static final ThreadLocal<Boolean> AS_GIVEN = ThreadLocal.withInitial(() -> false);

    static String shared(String s) {
        return s == null || s.length() > MAX_SHARED || AS_GIVEN.get() ? s : s.intern();
    }

    /**
     * Runs {@code body} with the records it builds on this thread keeping the strings they are
     * given, for a reader that hands out one instance per value already (the graph snapshot:
     * a 1M read interned ~15M strings, a fifth of its time, where ~3M were distinct).
     */
    public static <T, E extends Exception> T asGiven(Body<T, E> body) throws E {
        AS_GIVEN.set(true);
        try {
            return body.call();
        } finally {
            AS_GIVEN.set(false);
        }
    }
}
