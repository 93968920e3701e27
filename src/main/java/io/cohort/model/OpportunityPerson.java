package io.cohort.model;

import java.util.Map;

/** A person's role on a unified opportunity (contact role), de-duplicated across sources. */
@Link
@Describe("A person's contact role on an opportunity")
public record OpportunityPerson(@Describe("the unified opportunity") @Ref(Entity.OPPORTUNITY) String opportunityId,
                                @Describe("the unified person") @Ref(Entity.PERSON) String personId,
                                @Describe("contact role: \"Economic Buyer\"") String role,
                                @Describe("free-form source fields: attr(\"IsPrimary\")") Map<String, String> attributes) implements Fact, Attributed {
    public String key() { return "OP:" + opportunityId + ":" + personId; }
}
