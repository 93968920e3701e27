package io.cohort.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The result of one evaluation round, handed to the {@link MembershipSink} in order.
 *
 * @param upToBatch the last ingest batch included
 * @param people    the current snapshot of the people whose memberships changed
 * @param cause     "ingest", "clock", "rules", "start", "consistency"
 * @param state     the rule set evaluated and the batch evaluated up to, stored with the round so
 *                  that a restart knows whether anything is left to evaluate; null when the round
 *                  leaves the stored watermark where it is (it changed no membership, and the
 *                  watermark was written less than a second ago). A sink stores nothing for a round
 *                  without deltas, state or consent change.
 */
public record Round(long upToBatch, Instant at, List<MembershipDelta> deltas, Map<String, PersonSnapshot> people,
                    String cause, EngineState state) {}
