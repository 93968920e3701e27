package io.cohort.model;

/** A person's role on a unified opportunity (contact role), de-duplicated across sources. */
public record OpportunityPerson(String opportunityId, String personId, String role) implements Fact {
    public String key() { return "OP:" + opportunityId + ":" + personId; }
}
