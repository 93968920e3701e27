package io.cohort.engine;

/**
 * What one evaluation (a batch of people, a preview, an explanation) may spend before it is
 * stopped and the rule that spent most is suspended. The sandbox already refuses loops, cross
 * products and code; the budget does not trust it.
 *
 * @param maxFirings     rule firings, at most
 * @param maxDerived     facts derived by rules (insertLogical), at most
 * @param maxNanos       wall time
 * @param firingsPerFact firings per fact evaluated: the engine's budget of one evaluation is the
 *                       smaller of this times its facts and {@code maxFirings}
 * @param derivedPerFact derived facts per fact evaluated, likewise
 */
public record Budget(int maxFirings, int maxDerived, long maxNanos, int firingsPerFact, int derivedPerFact) {
    public static final Budget DEFAULT = new Budget(10_000_000, 1_000_000, 30_000_000_000L, 1_000, 100);

    /** A budget with fixed limits (a test, an explanation): per fact as large as the limits. */
    public Budget(int maxFirings, int maxDerived, long maxNanos) {
        this(maxFirings, maxDerived, maxNanos, maxFirings, maxDerived);
    }
}
