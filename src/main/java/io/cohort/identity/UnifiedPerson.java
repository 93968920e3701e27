package io.cohort.identity;

import io.cohort.model.Person;
import java.util.List;
import java.util.Map;

/** A unified person with its source identities: source id → that source's record ids. */
public record UnifiedPerson(Person person, Map<String, List<String>> identities) {}
