package io.cohort.identity;

import io.cohort.model.Account;
import io.cohort.model.Fact;
import io.cohort.model.Person;
import java.util.List;
import java.util.Map;

/**
 * The unified facts of one component.
 *
 * @param facts      every fact (people, accounts, relations, opportunities, events, members)
 * @param identities per unified person: source id → that source's record ids (for destinations)
 */
public record ComponentFacts(Component component, List<Fact> facts, Map<String, Map<String, List<String>>> identities) {

    public List<Person> persons() {
        return facts.stream().filter(Person.class::isInstance).map(Person.class::cast).toList();
    }

    public List<Account> accounts() {
        return facts.stream().filter(Account.class::isInstance).map(Account.class::cast).toList();
    }
}
