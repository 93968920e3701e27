package io.cohort.model;

import java.util.Map;

/** A marketing (static) list. Shared by many people: every session holds all lists. */
public record MarketingList(@Ref(Entity.LIST) String id, String name, Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "L:" + id; }
}
