package io.cohort.model;

import java.util.List;
import java.util.Map;

/**
 * A unified person: every source record that shares one normalized email.
 *
 * @param id          stable unified id ("p-…", derived from the normalized email)
 * @param email       normalized (trimmed, lower-cased) email, may be null for email-less records
 * @param emailOptOut true when any source says the person opted out of email
 * @param sources     the source identities merged into this person, e.g. "marketo-1:1001"
 * @param attributes  free-form source attributes (the latest value per key wins)
 */
public record Person(@Ref(Entity.PERSON) String id, String email, String firstName, String lastName, String title,
                     String country, boolean emailOptOut, List<String> sources,
                     Map<String, String> attributes) implements Fact, Attributed {

    public String key() { return "P:" + id; }

    /** The email's domain ("townsend.com"), or null. */
    @Helper("the email's domain (\"townsend.com\"), or null")
    public String emailDomain() {
        if (email == null) return null;
        int at = email.indexOf('@');
        return at < 0 ? null : email.substring(at + 1);
    }
}
