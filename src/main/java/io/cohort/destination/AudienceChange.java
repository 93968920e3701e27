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
 * @param emailStillWanted for a REMOVE: another person the audience wants now has the same email
 *                   (a merge exits the old person and enters the merged one); destinations that
 *                   match people by email must not remove it
 */
public record AudienceChange(long seq, String personId, Action action, String email,
                             Map<String, List<String>> identities, Instant at, boolean emailStillWanted) {

    public AudienceChange(long seq, String personId, Action action, String email, Map<String, List<String>> identities, Instant at) {
        this(seq, personId, action, email, identities, at, false);
    }

    public AudienceChange withEmailStillWanted() {
        return new AudienceChange(seq, personId, action, email, identities, at, true);
    }

    public enum Action { ADD, REMOVE }
}
