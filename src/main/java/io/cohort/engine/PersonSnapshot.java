package io.cohort.engine;

import java.util.List;
import java.util.Map;

/** What the audience stage needs of a person: contact, consent and source identities. */
public record PersonSnapshot(String id, String email, boolean emailOptOut, Map<String, List<String>> identities) {}
