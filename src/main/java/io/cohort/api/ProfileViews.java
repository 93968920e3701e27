package io.cohort.api;

import io.cohort.audience.MembershipReader;
import io.cohort.identity.Neighbourhood;
import io.cohort.model.*;
import java.util.*;

/** Builds the JSON views of a unified person and a unified account from the facts around them. */
public final class ProfileViews {
    private static final int RECENT_EVENTS = 50;

    private ProfileViews() {}

    public static Map<String, Object> person(Person p, Neighbourhood cf, List<MembershipReader.PersonMembership> segments) {
        Map<String, Account> accounts = byId(cf.facts(), Account.class, Account::id);
        Set<String> myAccounts = new TreeSet<>();
        List<Map<String, Object>> accountViews = new ArrayList<>();
        for (Fact f : cf.facts()) {
            if (f instanceof AccountPerson ap && ap.personId().equals(p.id())) {
                myAccounts.add(ap.accountId());
                Account a = accounts.get(ap.accountId());
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("id", ap.accountId());
                v.put("name", a == null ? null : a.name());
                v.put("domain", a == null ? null : a.domain());
                v.put("role", ap.role());
                v.put("sources", a == null ? List.of() : a.sources());
                accountViews.add(v);
            }
        }
        Set<String> myOpps = new HashSet<>();
        for (Fact f : cf.facts()) {
            if (f instanceof OpportunityPerson op && op.personId().equals(p.id())) myOpps.add(op.opportunityId());
        }
        List<Opportunity> opps = cf.facts().stream().filter(Opportunity.class::isInstance).map(Opportunity.class::cast)
                // An opportunity may have no account (accountId null); a TreeSet refuses null lookups.
                .filter(o -> (o.accountId() != null && myAccounts.contains(o.accountId())) || myOpps.contains(o.id()))
                .sorted(Comparator.comparing(Opportunity::id)).toList();
        List<Event> events = cf.facts().stream().filter(Activity.class::isInstance).map(Activity.class::cast)
                .filter(a -> a.getPersonId().equals(p.id())).findFirst()
                .map(a -> a.getEvents().stream().limit(RECENT_EVENTS).toList()).orElse(List.of());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", p.id());
        v.put("email", p.email());
        v.put("firstName", p.firstName());
        v.put("lastName", p.lastName());
        v.put("title", p.title());
        v.put("country", p.country());
        v.put("emailOptOut", p.emailOptOut());
        v.put("sources", p.sources());
        v.put("attributes", p.attributes());
        v.put("accounts", accountViews);
        v.put("opportunities", opps);
        v.put("opportunityTotals", totals(opps));
        v.put("events", events);
        v.put("segments", segments);
        return v;
    }

    public static Map<String, Object> account(Account a, Neighbourhood cf) {
        Map<String, Person> people = byId(cf.facts(), Person.class, Person::id);
        List<Map<String, Object>> members = new ArrayList<>();
        for (Fact f : cf.facts()) {
            if (f instanceof AccountPerson ap && ap.accountId().equals(a.id())) {
                Person p = people.get(ap.personId());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", ap.personId());
                m.put("email", p == null ? null : p.email());
                m.put("role", ap.role());
                members.add(m);
            }
        }
        members.sort(Comparator.comparing(m -> String.valueOf(m.get("email"))));
        List<Opportunity> opps = cf.facts().stream().filter(Opportunity.class::isInstance).map(Opportunity.class::cast)
                .filter(o -> a.id().equals(o.accountId())).sorted(Comparator.comparing(Opportunity::id)).toList();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", a.id());
        v.put("name", a.name());
        v.put("domain", a.domain());
        v.put("industry", a.industry());
        v.put("employees", a.employees());
        v.put("annualRevenue", a.annualRevenue());
        v.put("country", a.country());
        v.put("sources", a.sources());
        v.put("attributes", a.attributes());
        v.put("people", members);
        v.put("opportunities", opps);
        v.put("opportunityTotals", totals(opps));
        return v;
    }

    private static Map<String, Object> totals(List<Opportunity> opps) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("count", opps.size());
        t.put("wonAmount", opps.stream().filter(Opportunity::won).mapToDouble(Opportunity::amount).sum());
        t.put("openAmount", opps.stream().filter(Opportunity::isOpen).mapToDouble(Opportunity::amount).sum());
        return t;
    }

    private static <T> Map<String, T> byId(List<Fact> facts, Class<T> type, java.util.function.Function<T, String> id) {
        Map<String, T> out = new HashMap<>();
        for (Fact f : facts) if (type.isInstance(f)) out.put(id.apply(type.cast(f)), type.cast(f));
        return out;
    }
}
