package io.cohort.engine;

import java.util.Map;

/**
 * What the stored memberships are the result of: the rule set (its version and, per segment, a
 * signature of the rules the segment depends on) and the last ingest batch evaluated. Stored with
 * every round; at start, segments whose signature is unchanged are not evaluated again.
 *
 * @param signatures segment id → signature of its rules
 * @param clockAt    engine clock (epoch millis) of the last tick whose windows were applied: time
 *                   windows and watched dates are right up to then; -1 when not known
 * @param sweptAt    engine clock of the last evaluation of clock-dependent segments; -1 when not known
 */
public record EngineState(String rulesVersion, Map<String, String> signatures, long evaluatedUpTo, long clockAt, long sweptAt) {
    public static final EngineState NONE = new EngineState("", Map.of(), -1, -1, -1);
}
