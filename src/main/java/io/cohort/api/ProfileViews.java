package io.cohort.api;

import io.cohort.audience.MembershipReader;
import io.cohort.identity.Neighbourhood;
import io.cohort.model.*;
import java.util.*;

/** Builds the views of a unified person and a unified account ({@link Views}) from the facts around them. */
public final class ProfileViews {
    private static final int RECENT_EVENTS = 50;

    private ProfileViews() {}

    /** @param now the service's clock: events after it are listed apart ({@code upcomingEvents}) */
    public static Views.PersonProfile person(Person p, Neighbourhood cf, List<MembershipReader.PersonMembership> segments,
                                             java.time.Instant now) {
        Map<String, Account> accounts = byId(cf.facts(), Account.class, Account::id);
        Set<String> myAccounts = new TreeSet<>();
        List<Views.PersonAccount> accountViews = new ArrayList<>();
        for (Fact f : cf.facts()) {
            if (f instanceof AccountPerson ap && ap.personId().equals(p.id())) {
                myAccounts.add(ap.accountId());
                Account a = accounts.get(ap.accountId());
                accountViews.add(new Views.PersonAccount(ap.accountId(), a == null ? null : a.name(),
                        a == null ? null : a.domain(), ap.role(), a == null ? List.of() : a.sources(), a == null ? null : a.peopleInReach()));
            }
        }
        // One order whatever order the graph's indexes hold relations in (it differs after a restart).
        accountViews.sort(Comparator.comparing(Views.PersonAccount::id));
        Set<String> myOpps = new HashSet<>();
        for (Fact f : cf.facts()) {
            if (f instanceof OpportunityPerson op && op.personId().equals(p.id())) myOpps.add(op.opportunityId());
        }
        List<Opportunity> opps = cf.facts().stream().filter(Opportunity.class::isInstance).map(Opportunity.class::cast)
                // An opportunity may have no account (accountId null); a TreeSet refuses null lookups.
                .filter(o -> (o.accountId() != null && myAccounts.contains(o.accountId())) || myOpps.contains(o.id()))
                .sorted(Comparator.comparing(Opportunity::id)).toList();
        List<Event> all = cf.facts().stream().filter(Activity.class::isInstance).map(Activity.class::cast)
                .filter(a -> a.getPersonId().equals(p.id())).findFirst().map(Activity::getEvents).orElse(List.of());
        Comparator<Event> newestFirst = Comparator.comparing(Event::timestamp).reversed().thenComparing(Event::source)
                .thenComparing(e -> String.valueOf(e.eventType())).thenComparing(e -> String.valueOf(e.url()));
        // Apart: an event dated ahead of the clock counts in no rule yet, and listed first among the
        // others it read as one the rules ignore.
        List<Event> events = all.stream().filter(e -> !e.timestamp().isAfter(now)).sorted(newestFirst).limit(RECENT_EVENTS).toList();
        List<Event> upcoming = all.stream().filter(e -> e.timestamp().isAfter(now)).sorted(newestFirst.reversed())
                .limit(RECENT_EVENTS).toList();
        return new Views.PersonProfile(p.id(), p.email(), p.firstName(), p.lastName(), p.title(), p.country(),
                p.emailOptOut(), p.sources(), p.attributes(), accountViews, opps, totals(opps), events, upcoming, segments);
    }

    /** An account with a page of its people ({@code total} in all; {@code next} the cursor of the page after, or null). */
    public static Views.AccountProfile account(Account a, Neighbourhood cf, int total, String next) {
        Map<String, Person> people = byId(cf.facts(), Person.class, Person::id);
        List<Views.AccountMember> members = new ArrayList<>();
        for (Fact f : cf.facts()) {
            if (f instanceof AccountPerson ap && ap.accountId().equals(a.id())) {
                Person p = people.get(ap.personId());
                members.add(new Views.AccountMember(ap.personId(), p == null ? null : p.email(), ap.role()));
            }
        }
        members.sort(Comparator.comparing(m -> String.valueOf(m.email())));
        List<Opportunity> opps = cf.facts().stream().filter(Opportunity.class::isInstance).map(Opportunity.class::cast)
                .filter(o -> a.id().equals(o.accountId())).sorted(Comparator.comparing(Opportunity::id)).toList();
        return new Views.AccountProfile(a.id(), a.name(), a.domain(), a.industry(), a.employees(), a.annualRevenue(),
                a.country(), a.sources(), a.attributes(), a.peopleInReach(), members, total, next, opps, totals(opps));
    }

    private static Views.OpportunityTotals totals(List<Opportunity> opps) {
        return new Views.OpportunityTotals(opps.size(),
                opps.stream().filter(Opportunity::won).mapToDouble(Opportunity::amount).sum(),
                opps.stream().filter(Opportunity::isOpen).mapToDouble(Opportunity::amount).sum());
    }

    private static <T> Map<String, T> byId(List<Fact> facts, Class<T> type, java.util.function.Function<T, String> id) {
        Map<String, T> out = new HashMap<>();
        for (Fact f : facts) if (type.isInstance(f)) out.put(id.apply(type.cast(f)), type.cast(f));
        return out;
    }
}
