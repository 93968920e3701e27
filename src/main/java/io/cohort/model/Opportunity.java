package io.cohort.model;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

/**
 * A unified opportunity. A CRM opportunity and its Marketo copy are one opportunity.
 *
 * @param accountId unified account id, or null when the opportunity has no account
 * @param amount    amount in {@code currency} (0 when unknown)
 * @param closeDate   may be null
 * @param createdDate when the system of record created it (Salesforce CreatedDate, Marketo createdAt), may be null
 * @param attributes  free-form source fields ({@code attr("Type")}, {@code attr("LeadSource")})
 * @param peopleInReach whether rules that look two steps see its other contacts (engine.stepTwoLimit)
 */
@Describe("A deal; a CRM opportunity and its Marketo copy are one")
public record Opportunity(@Describe("unified opportunity id, o-…") @Ref(Entity.OPPORTUNITY) String id,
                          @Describe("the unified account, may be null") @Ref(Entity.ACCOUNT) String accountId,
                          @Describe("deal name") String name,
                          @Describe("amount in currency, 0 when unknown") double amount,
                          @Describe("ISO-4217 code, USD by default") String currency,
                          @Describe("the CRM stage, exact and case-sensitive: \"Negotiation/Review\"") String stage,
                          @Describe("won (a won deal is also closed)") boolean won,
                          @Describe("closed, won or lost; isOpen() is the opposite") boolean closed,
                          @Describe("expected or actual close date, may be null: closeDate > $now.date().minusDays(90)") LocalDate closeDate,
                          @Describe("when the system of record created it, may be null: createdDate > $now.daysAgo(30)") Instant createdDate,
                          @Describe("free-form source fields: attr(\"Type\"), attr(\"LeadSource\")") Map<String, String> attributes,
                          @Describe("false when it has more contact roles than rules look through (engine.stepTwoLimit, 500):"
                                  + " its other contacts' OpportunityPerson facts are then left out")
                          boolean peopleInReach)
        implements Fact, Attributed {

    public String key() { return "O:" + id; }

    /** Open means not closed (neither won nor lost). */
    @Helper("not closed (neither won nor lost)")
    public boolean isOpen() { return !closed; }
}
