package io.cohort.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The result of one evaluation round, handed to the {@link MembershipSink} in order.
 *
 * @param upToBatch the last ingest batch included
 * @param people    the current snapshot of every person whose component was evaluated
 * @param cause     "ingest", "clock", "rules", "start"
 */
public record Round(long upToBatch, Instant at, List<MembershipDelta> deltas, Map<String, PersonSnapshot> people,
                    String cause) {}
