package io.cohort.identity;

import io.cohort.model.Account;
import io.cohort.model.Opportunity;
import io.cohort.model.Person;
import io.cohort.record.SourceRecord.AccountRecord;
import io.cohort.record.SourceRecord.OpportunityRecord;
import io.cohort.record.SourceRecord.PersonRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Survivorship: how several source records become one unified record. Per field the latest
 * non-empty value wins, except that a system of record (a record that is not a synced copy)
 * outranks its copies, and an opt-out from any source wins (consent is never merged away).
 */
final class Merge {
    private Merge() {}

    /**
     * The one fact of a relation or membership that records of several sources state (two
     * source persons of one unified person, each related to the account): the one with a role
     * (or status) wins, the lower role, then the lower attributes, so that the fact does not
     * depend on the order the walk meets the records in. A graph read from a snapshot, loaded
     * from the store or fed batch by batch holds them in different orders, and must give the
     * rules the same fact (the first one met won before, and a restart could change a role).
     */
    static io.cohort.model.Fact either(io.cohort.model.Fact a, io.cohort.model.Fact b) {
        if (a.equals(b)) return a;
        return ONE_OF_MANY.compare(a, b) <= 0 ? a : b;
    }

    private static final Comparator<io.cohort.model.Fact> ONE_OF_MANY = Comparator
            .comparing(Merge::label, Comparator.nullsLast(Comparator.<String>naturalOrder()))
            .thenComparing(f -> f instanceof io.cohort.model.Attributed a && a.attributes() != null
                    ? new java.util.TreeMap<>(a.attributes()).toString() : "");

    private static String label(io.cohort.model.Fact f) {
        if (f instanceof io.cohort.model.AccountPerson ap) return ap.role();
        if (f instanceof io.cohort.model.OpportunityPerson op) return op.role();
        if (f instanceof io.cohort.model.CampaignMember cm) return cm.status();
        return null;
    }

    static Person person(String uid, List<Stamped<PersonRecord>> recs) {
        // Plain loops and a path for one record (most people): this runs for every person of
        // every sweep, and its streams and copies were a tenth of a 1M rule edit's workers.
        if (recs.size() == 1) {
            Stamped<PersonRecord> s = recs.get(0);
            PersonRecord r = s.record();
            return new Person(uid, UnifiedIds.normalizeEmail(blankless(r.email())), blankless(r.firstName()),
                    blankless(r.lastName()), blankless(r.title()), blankless(r.country()),
                    Boolean.TRUE.equals(r.emailOptOut()), List.of(s.source() + ":" + r.id()),
                    r.attributes() == null ? Map.of() : Map.copyOf(r.attributes()));
        }
        List<Stamped<PersonRecord>> byAge = new ArrayList<>(recs);
        byAge.sort(Comparator.comparingLong(Stamped::seq));
        Map<String, String> attrs = new LinkedHashMap<>();
        boolean optOut = false;
        String[] sources = new String[byAge.size()];
        for (int i = 0; i < sources.length; i++) {
            PersonRecord r = byAge.get(i).record();
            if (r.attributes() != null) attrs.putAll(r.attributes());
            optOut |= Boolean.TRUE.equals(r.emailOptOut());
            sources[i] = byAge.get(i).source() + ":" + r.id();
        }
        Arrays.sort(sources);
        return new Person(uid,
                UnifiedIds.normalizeEmail(latest(byAge, PersonRecord::email)),
                latest(byAge, PersonRecord::firstName), latest(byAge, PersonRecord::lastName),
                latest(byAge, PersonRecord::title), latest(byAge, PersonRecord::country), optOut,
                List.of(sources), Map.copyOf(attrs));
    }

    /** A value as {@link #latest} takes it from one record: blank is no value. */
    private static String blankless(String v) { return v == null || v.isBlank() ? null : v; }

    /**
     * The order a unified person's source records are handed to {@link #person} in (ties on the
     * batch are broken by it): by source, then record id.
     */
    static final Comparator<Stamped<PersonRecord>> PERSON_ORDER =
            Comparator.comparing(s -> new io.cohort.record.SourceRef(s.source(), s.record().id()));

    /** @param peopleInReach whether step 2 goes through it ({@link Account#peopleInReach()}) */
    static Account account(String id, List<Stamped<AccountRecord>> recs, boolean peopleInReach) {
        List<Stamped<AccountRecord>> ranked = rank(recs, s -> s.record().sameAs() != null);
        Long employees = latest(ranked, AccountRecord::employees);
        Double revenue = latest(ranked, AccountRecord::annualRevenue);
        return new Account(id, latest(ranked, AccountRecord::name), latest(ranked, AccountRecord::domain),
                latest(ranked, AccountRecord::industry), employees == null ? 0 : employees,
                revenue == null ? 0 : revenue, latest(ranked, AccountRecord::country),
                ranked.stream().map(s -> s.source() + ":" + s.record().id()).sorted().toList(), attributes(ranked),
                peopleInReach);
    }

    static Stamped<OpportunityRecord> master(List<Stamped<OpportunityRecord>> recs) {
        List<Stamped<OpportunityRecord>> ranked = rank(recs, s -> s.record().sameAs() != null);
        return ranked.get(ranked.size() - 1);
    }

    /** @param peopleInReach whether step 2 goes through it ({@link Opportunity#peopleInReach()}) */
    static Opportunity opportunity(String id, String accountId, List<Stamped<OpportunityRecord>> recs, boolean peopleInReach) {
        List<Stamped<OpportunityRecord>> ranked = rank(recs, s -> s.record().sameAs() != null);
        Double amount = latest(ranked, OpportunityRecord::amount);
        Boolean won = latest(ranked, OpportunityRecord::isWon);
        Boolean closed = latest(ranked, OpportunityRecord::isClosed);
        String currency = latest(ranked, OpportunityRecord::currency);
        return new Opportunity(id, accountId, latest(ranked, OpportunityRecord::name), amount == null ? 0 : amount,
                currency == null ? "USD" : currency, latest(ranked, OpportunityRecord::stage),
                Boolean.TRUE.equals(won), Boolean.TRUE.equals(closed) || Boolean.TRUE.equals(won),
                latest(ranked, OpportunityRecord::closeDate), latest(ranked, OpportunityRecord::createdDate),
                attributes(ranked), peopleInReach);
    }

    /** Per name, the value of the highest-precedence record that has one. */
    private static <T extends io.cohort.record.SourceRecord> Map<String, String> attributes(List<Stamped<T>> ranked) {
        Map<String, String> attrs = new LinkedHashMap<>();
        ranked.forEach(s -> attrs.putAll(s.record().attributes()));
        return Map.copyOf(attrs);
    }

    /** Lowest precedence first: copies before systems of record, older before newer. */
    private static <T> List<Stamped<T>> rank(List<Stamped<T>> recs, java.util.function.Predicate<Stamped<T>> isCopy) {
        if (recs.size() == 1) return recs; // most unified records have one source record
        return recs.stream().sorted(Comparator.<Stamped<T>, Boolean>comparing(s -> !isCopy.test(s))
                .thenComparingLong(Stamped::seq)).toList();
    }

    /** The value of the highest-precedence record that has one. */
    private static <T, V> V latest(List<Stamped<T>> ranked, Function<T, V> field) {
        for (int i = ranked.size() - 1; i >= 0; i--) {
            V v = field.apply(ranked.get(i).record());
            if (v != null && !(v instanceof String s && s.isBlank())) return v;
        }
        return null;
    }
}
