package io.cohort.model;

/** A person's role on a unified opportunity (contact role), de-duplicated across sources. */
@Link
public record OpportunityPerson(@Ref(Entity.OPPORTUNITY) String opportunityId, @Ref(Entity.PERSON) String personId,
                                String role) implements Fact {
    public String key() { return "OP:" + opportunityId + ":" + personId; }
}
