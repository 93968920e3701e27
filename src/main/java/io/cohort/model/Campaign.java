package io.cohort.model;

import java.util.Map;

/**
 * A marketing or CRM campaign. Campaigns are shared by many people, so every session holds all
 * campaigns. {@code id} is source-qualified: "source:id".
 */
public record Campaign(@Ref(Entity.CAMPAIGN) String id, String name, String type, String status,
                       Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "C:" + id; }
}
