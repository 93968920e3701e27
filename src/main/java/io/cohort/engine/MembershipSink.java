package io.cohort.engine;

import io.cohort.model.Qualified;
import java.util.Set;

/**
 * Where the engine reports membership changes (implemented by the audience stage). Called on the
 * evaluator thread, one round at a time, in order; must persist before returning.
 */
public interface MembershipSink {

    /** The memberships currently realized in the store, loaded once at start. */
    Set<Qualified> realized();

    /** The engine state stored with the last round, or {@link EngineState#NONE}. */
    EngineState state();

    void apply(Round round);

    /** Stores the engine state alone (the evaluated batch moved on without membership changes). */
    void checkpoint(EngineState state);
}
