package io.cohort.model;

import java.util.Map;

/**
 * A person's relation to a unified account. There is at most one per (account, person), however
 * many sources state it, so aggregates over a person's accounts never count an account twice.
 */
@Link
public record AccountPerson(@Ref(Entity.ACCOUNT) String accountId, @Ref(Entity.PERSON) String personId, String role,
                            Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "AP:" + accountId + ":" + personId; }
}
