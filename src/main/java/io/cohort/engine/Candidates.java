package io.cohort.engine;

import io.cohort.identity.FactTypes;
import org.kie.api.KieBase;

/**
 * Some segments' rules cut down to their conditions on the person alone
 * ({@link io.cohort.engine.sandbox.OwnConditions}): run on each person's own facts of the kinds
 * they read, they qualify everyone who can qualify for those segments at all.
 *
 * @param kieBase the cut rules (each still named as the rule it was cut from)
 * @param reads   the kinds of a person's own facts they match
 * @param passed  how many people they have passed, for the sweep's log line
 */
public record Candidates(KieBase kieBase, FactTypes reads, java.util.concurrent.atomic.LongAdder passed) {
    Candidates(KieBase kieBase, FactTypes reads) { this(kieBase, reads, new java.util.concurrent.atomic.LongAdder()); }
}
