package io.cohort.model;

import java.util.Map;

/** A person on a marketing list; {@code listId} is the source-qualified list id. */
public record MarketingListMember(@Ref(Entity.LIST) String listId, @Ref(Entity.PERSON) String personId,
                                  Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "LM:" + listId + ":" + personId; }
}
