package io.cohort.model;

import java.util.Map;

/**
 * A person's relation to a unified account. There is at most one per (account, person), however
 * many sources state it, so aggregates over a person's accounts never count an account twice.
 */
@Link
@Describe("A person's relation to an account, at most one per pair")
public record AccountPerson(@Describe("the unified account") @Ref(Entity.ACCOUNT) String accountId,
                            @Describe("the unified person") @Ref(Entity.PERSON) String personId,
                            @Describe("the person's role at the account, as the source states it") String role,
                            @Describe("free-form source fields of the relation: attr(\"IsDirect\")") Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "AP:" + accountId + ":" + personId; }
}
