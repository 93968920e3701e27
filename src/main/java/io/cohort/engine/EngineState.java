package io.cohort.engine;

import java.util.Map;

/**
 * What the stored memberships are the result of: the rule set (its version and, per segment, a
 * signature of the rules the segment depends on) and the last ingest batch evaluated. Stored with
 * every round; at start, segments whose signature is unchanged are not evaluated again.
 *
 * @param signatures segment id → signature of its rules
 */
public record EngineState(String rulesVersion, Map<String, String> signatures, long evaluatedUpTo) {
    public static final EngineState NONE = new EngineState("", Map.of(), -1);
}
