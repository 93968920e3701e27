package io.cohort.model;

import java.util.Map;

/** A person's membership of a campaign; {@code campaignId} is the source-qualified campaign id. */
public record CampaignMember(@Ref(Entity.CAMPAIGN) String campaignId, @Ref(Entity.PERSON) String personId, String status,
                             Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "CM:" + campaignId + ":" + personId; }
}
