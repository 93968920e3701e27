package io.cohort.model;

/** A person on a marketing list; {@code listId} is the source-qualified list id. */
public record MarketingListMember(@Ref(Entity.LIST) String listId, @Ref(Entity.PERSON) String personId) implements Fact {
    public String key() { return "LM:" + listId + ":" + personId; }
}
