package io.cohort.identity;

import io.cohort.model.Account;
import io.cohort.model.AccountPerson;
import io.cohort.model.Activity;
import io.cohort.model.Campaign;
import io.cohort.model.CampaignMember;
import io.cohort.model.MarketingList;
import io.cohort.model.MarketingListMember;
import io.cohort.model.Opportunity;
import io.cohort.model.OpportunityPerson;
import java.util.Collection;
import java.util.List;

/**
 * Which kinds of fact a neighbourhood is built with, and so how far its walk goes. A rule can only
 * be changed by facts its patterns match, so a few segments evaluated alone (a rule edit, a closing
 * window) need only the classes their rules read (the rule checker works them out, through the
 * facts and segments they derive from): building an Activity, or merging every account and deal,
 * for rules that never look at them was most of such an evaluation.
 *
 * <p>The walk is cut the same way. The rule checker refuses a pattern joined to nothing before it,
 * so a rule reaches an account only through the account id of an AccountPerson or an Opportunity
 * it matches, a deal only through an OpportunityPerson or an account's deals, and the people beyond
 * them only through those relations again. Hence: AccountPerson relations are followed only when
 * AccountPerson is read, contact roles only when OpportunityPerson is, and an account's deals (and
 * the accounts of deals found through contact roles) only when Opportunity is. People are always
 * built (the audience stage reads their emails and opt-outs).
 */
public final class FactTypes {
    public static final FactTypes ALL = new FactTypes(List.of(Object.class));

    final boolean activity;
    final boolean accounts;
    final boolean opportunities;
    final boolean accountPeople;
    final boolean opportunityPeople;
    final boolean campaignMembers;
    final boolean campaigns;
    final boolean listMembers;
    final boolean lists;

    private FactTypes(Collection<Class<?>> read) {
        activity = any(read, Activity.class);
        accounts = any(read, Account.class);
        opportunities = any(read, Opportunity.class);
        accountPeople = any(read, AccountPerson.class);
        opportunityPeople = any(read, OpportunityPerson.class);
        campaignMembers = any(read, CampaignMember.class);
        campaigns = any(read, Campaign.class);
        listMembers = any(read, MarketingListMember.class);
        lists = any(read, MarketingList.class);
    }

    /** The facts patterns of these classes can match (a class read matches its subclasses too). */
    public static FactTypes readBy(Collection<Class<?>> patternClasses) {
        return new FactTypes(patternClasses);
    }

    /** Whether everything is built. */
    public boolean all() {
        return activity && accounts && opportunities && accountPeople && opportunityPeople && campaignMembers && campaigns
                && listMembers && lists;
    }

    private static boolean any(Collection<Class<?>> read, Class<?> fact) {
        for (Class<?> c : read) if (c.isAssignableFrom(fact)) return true;
        return false;
    }

    @Override public String toString() {
        return "FactTypes[activity=" + activity + ", accounts=" + accounts + ", opportunities=" + opportunities
                + ", accountPeople=" + accountPeople + ", opportunityPeople=" + opportunityPeople + ", campaignMembers="
                + campaignMembers + ", campaigns=" + campaigns + ", listMembers=" + listMembers + ", lists=" + lists + "]";
    }
}
