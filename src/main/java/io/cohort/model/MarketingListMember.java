package io.cohort.model;

import java.util.Map;

/** A person on a marketing list; {@code listId} is the source-qualified list id. */
@Describe("A person on a marketing list")
public record MarketingListMember(@Describe("source-qualified list id") @Ref(Entity.LIST) String listId,
                                  @Describe("the unified person") @Ref(Entity.PERSON) String personId,
                                  @Describe("free-form source fields") Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "LM:" + listId + ":" + personId; }
}
