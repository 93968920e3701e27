package io.cohort.engine;

import io.cohort.model.Qualified;
import java.util.Collection;

/**
 * Where the engine reports membership changes (implemented by the audience stage). Called on the
 * evaluator thread, one round at a time, in order; must persist before returning.
 */
public interface MembershipSink {

    /**
     * The memberships currently realized in the store, each once, loaded once at start. A
     * collection, not a set: at 1M people and 60 segments (9.6M memberships) hashing them into a
     * set was a third of the read, and the store holds each once anyway. Best grouped by person
     * (each person's rows one after another): the engine then makes each person's segments in one
     * go; any order is right.
     */
    Collection<Qualified> realized();

    /** The engine state stored with the last round, or {@link EngineState#NONE}. */
    EngineState state();

    void apply(Round round);

    /** Stores the engine state alone (the evaluated batch moved on without membership changes). */
    void checkpoint(EngineState state);
}
