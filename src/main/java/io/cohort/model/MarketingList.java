package io.cohort.model;

import java.util.Map;

/** A marketing (static) list. Shared by many people: every session holds all lists. */
@Describe("A static marketing list, shared by everyone")
public record MarketingList(@Describe("source-qualified list id") @Ref(Entity.LIST) String id,
                            @Describe("list name") String name,
                            @Describe("free-form source fields") Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "L:" + id; }
}
