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
 */
public record Opportunity(@Ref(Entity.OPPORTUNITY) String id, @Ref(Entity.ACCOUNT) String accountId, String name, double amount, String currency,
                          String stage, boolean won, boolean closed, LocalDate closeDate,
                          Instant createdDate, Map<String, String> attributes)
        implements Fact, Attributed {

    public String key() { return "O:" + id; }

    /** Open means not closed (neither won nor lost). */
    @Helper("not closed (neither won nor lost)")
    public boolean isOpen() { return !closed; }
}
