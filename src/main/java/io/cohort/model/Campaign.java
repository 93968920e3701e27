package io.cohort.model;

import java.util.Map;

/**
 * A marketing or CRM campaign. Campaigns are shared by many people, so every session holds all
 * campaigns. {@code id} is source-qualified: "source:id".
 */
@Describe("A marketing or CRM campaign, shared by everyone")
public record Campaign(@Describe("source-qualified id, marketo-1:3001") @Ref(Entity.CAMPAIGN) String id,
                       @Describe("campaign name") String name,
                       @Describe("campaign type: type == \"Webinar\"") String type,
                       @Describe("campaign status") String status,
                       @Describe("free-form source fields") Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "C:" + id; }
}
