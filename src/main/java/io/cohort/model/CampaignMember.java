package io.cohort.model;

/** A person's membership of a campaign; {@code campaignId} is the source-qualified campaign id. */
public record CampaignMember(@Ref(Entity.CAMPAIGN) String campaignId, @Ref(Entity.PERSON) String personId, String status) implements Fact {
    public String key() { return "CM:" + campaignId + ":" + personId; }
}
