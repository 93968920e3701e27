package io.cohort.engine;

import java.util.List;

/**
 * Checks a rule file before it is compiled, for what Drools itself allows but Cohort must not:
 * reaching outside the fact model (System, files, network, reflection…). A file with any ERROR
 * message is not compiled.
 */
public interface RuleGuard {
    List<RuleMessage> check(String file, String drl);

    /** Allows everything; for tests of the compiler itself. */
    RuleGuard NONE = (file, drl) -> List.of();
}
