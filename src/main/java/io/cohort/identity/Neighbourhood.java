package io.cohort.identity;

import io.cohort.model.Account;
import io.cohort.model.Fact;
import io.cohort.model.Person;
import io.cohort.record.SourceRecord.PersonRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The unified facts some people are evaluated with: each subject's own facts, and within the
 * rule set's depth their accounts and deals (step 1) and the people of those (step 2). Facts
 * shared by several subjects appear once. Immutable: the records it keeps are the graph's
 * immutable ones, so it is read after the graph's lock is let go.
 */
public final class Neighbourhood {
    private final Set<String> subjects;
    private final List<Fact> facts;
    /** Per subject, its source person records, for its identities. */
    private final Map<String, List<Stamped<PersonRecord>>> records;
    /** What a later build of the same graph may take from this one ({@link ProfileGraph#ownFacts}), or null. */
    private final OwnFacts own;

    Neighbourhood(Set<String> subjects, List<Fact> facts, Map<String, List<Stamped<PersonRecord>>> records) {
        this(subjects, facts, records, null);
    }

    Neighbourhood(Set<String> subjects, List<Fact> facts, Map<String, List<Stamped<PersonRecord>>> records, OwnFacts own) {
        this.subjects = subjects;
        this.facts = facts;
        this.records = records;
        this.own = own;
    }

    /** What a later build may take from this one, when it was built to be taken from. */
    java.util.Optional<OwnFacts> ownFacts() { return java.util.Optional.ofNullable(own); }

    /** The people this was built for (unified ids), each with a record. */
    public Set<String> subjects() { return subjects; }

    /** Every fact, campaigns and lists the subjects' memberships name included. */
    public List<Fact> facts() { return facts; }

    /**
     * A subject's identities: source id → that source's record ids (for destinations); empty for
     * anyone not a subject. Made when first read ({@link LazyIdentities}): a sweep over everyone
     * hands them on for every person, and reads them for the few whose memberships change.
     */
    public Map<String, List<String>> identitiesOf(String uid) {
        List<Stamped<PersonRecord>> recs = records.get(uid);
        return recs == null ? Map.of() : new LazyIdentities(recs);
    }

    /** The same subjects and identities with other facts. */
    Neighbourhood withFacts(List<Fact> facts) { return new Neighbourhood(subjects, facts, records); }

    public List<Person> persons() {
        return facts.stream().filter(Person.class::isInstance).map(Person.class::cast).toList();
    }

    public List<Account> accounts() {
        return facts.stream().filter(Account.class::isInstance).map(Account.class::cast).toList();
    }
}
