package io.cohort.model;

/**
 * A marketing or CRM campaign. Campaigns are shared by many people, so every session holds all
 * campaigns. {@code id} is source-qualified: "source:id".
 */
public record Campaign(@Ref(Entity.CAMPAIGN) String id, String name, String type, String status) implements Fact {
    public String key() { return "C:" + id; }
}
