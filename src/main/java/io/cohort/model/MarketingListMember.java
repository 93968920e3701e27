package io.cohort.model;

/** A person on a marketing list; {@code listId} is the source-qualified list id. */
public record MarketingListMember(String listId, String personId) implements Fact {
    public String key() { return "LM:" + listId + ":" + personId; }
}
