package io.cohort.identity;

import io.cohort.model.Account;
import io.cohort.model.Fact;
import io.cohort.model.Person;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The unified facts some people are evaluated with: each subject's own facts, and within the
 * rule set's depth their accounts and deals (step 1) and the people of those (step 2). Facts
 * shared by several subjects appear once.
 *
 * @param subjects   the people this was built for (unified ids), each with a record
 * @param facts      every fact, campaigns and lists the subjects' memberships name included
 * @param identities per unified person: source id → that source's record ids (for destinations)
 */
public record Neighbourhood(Set<String> subjects, List<Fact> facts, Map<String, Map<String, List<String>>> identities) {

    public List<Person> persons() {
        return facts.stream().filter(Person.class::isInstance).map(Person.class::cast).toList();
    }

    public List<Account> accounts() {
        return facts.stream().filter(Account.class::isInstance).map(Account.class::cast).toList();
    }
}
