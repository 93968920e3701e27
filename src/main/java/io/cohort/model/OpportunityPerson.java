package io.cohort.model;

import java.util.Map;

/** A person's role on a unified opportunity (contact role), de-duplicated across sources. */
@Link
public record OpportunityPerson(@Ref(Entity.OPPORTUNITY) String opportunityId, @Ref(Entity.PERSON) String personId,
                                String role, Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "OP:" + opportunityId + ":" + personId; }
}
