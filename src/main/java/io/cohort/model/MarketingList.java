package io.cohort.model;

/** A marketing (static) list. Shared by many people: every session holds all lists. */
public record MarketingList(@Ref(Entity.LIST) String id, String name) implements Fact {
    public String key() { return "L:" + id; }
}
