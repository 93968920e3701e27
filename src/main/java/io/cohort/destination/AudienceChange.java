package io.cohort.destination;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The latest state of one person in one activation's audience.
 *
 * @param seq        global order of the change (later changes have higher seq)
 * @param action     ADD (member, consented) or REMOVE (exited, or opted out)
 * @param email      normalized email, may be null
 * @param identities the person's source identities: source id → that source's record ids
 *                   (e.g. "marketo-1" → ["1001"], a Marketo lead id)
 * @param at         when the change happened
 */
public record AudienceChange(long seq, String personId, Action action, String email,
                             Map<String, List<String>> identities, Instant at) {

    public enum Action { ADD, REMOVE }
}
