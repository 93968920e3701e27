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
@Describe("A person, unified by email across every source")
public record Person(@Describe("unified id, p-… (from the normalized email)") @Ref(Entity.PERSON) String id,
                     @Describe("trimmed, lower-case email; null for email-less records") String email,
                     @Describe("latest non-empty value of any source") String firstName,
                     @Describe("latest non-empty value of any source") String lastName,
                     @Describe("job title, latest non-empty value of any source") String title,
                     @Describe("latest non-empty value of any source") String country,
                     @Describe("any source said the person opted out of email (Cohort never exports them)") boolean emailOptOut,
                     @Describe("the merged source records, source:id") List<String> sources,
                     @Describe("free-form source fields: attr(name), attrNumber(name)") Map<String, String> attributes) implements Fact, Attributed {

    public String key() { return "P:" + id; }

    /** The email's domain ("townsend.com"), or null. */
    @Helper("the email's domain (\"townsend.com\"), or null")
    public String emailDomain() {
        if (email == null) return null;
        int at = email.indexOf('@');
        return at < 0 ? null : email.substring(at + 1);
    }
}
