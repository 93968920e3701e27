package io.cohort.model;

import java.util.Map;

/** A person's membership of a campaign; {@code campaignId} is the source-qualified campaign id. */
@Describe("A person's membership of a campaign")
public record CampaignMember(@Describe("source-qualified campaign id") @Ref(Entity.CAMPAIGN) String campaignId,
                             @Describe("the unified person") @Ref(Entity.PERSON) String personId,
                             @Describe("member status: status == \"Attended\"") String status,
                             @Describe("free-form source fields: attr(\"HasResponded\")") Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "CM:" + campaignId + ":" + personId; }
}
