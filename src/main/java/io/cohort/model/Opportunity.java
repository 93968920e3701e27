package io.cohort.model;

import java.time.LocalDate;

/**
 * A unified opportunity. A CRM opportunity and its Marketo copy are one opportunity.
 *
 * @param accountId unified account id, or null when the opportunity has no account
 * @param amount    amount in {@code currency} (0 when unknown)
 * @param closeDate may be null
 */
public record Opportunity(@Ref(Entity.OPPORTUNITY) String id, @Ref(Entity.ACCOUNT) String accountId, String name, double amount, String currency,
                          String stage, boolean won, boolean closed, LocalDate closeDate)
        implements Fact {

    public String key() { return "O:" + id; }

    /** Open means not closed (neither won nor lost). */
    @Helper("not closed (neither won nor lost)")
    public boolean isOpen() { return !closed; }
}
