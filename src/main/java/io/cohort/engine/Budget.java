package io.cohort.engine;

/**
 * What one evaluation (a batch of people, a preview, an explanation) may spend before it is
 * stopped and the rule that spent most is suspended. The sandbox already refuses loops, cross
 * products and code; the budget does not trust it.
 *
 * @param maxFirings     rule firings, at most
 * @param maxDerived     facts derived by rules (insertLogical), at most
 * @param maxNanos       wall time
 * @param maxBytes       bytes the evaluating thread may allocate (the session's facts, join memory
 *                       and matches): a rule whose joins multiply fills the heap before its first firing
 * @param firingsPerFact firings per fact evaluated: the engine's budget of one evaluation is the
 *                       smaller of this times its facts and {@code maxFirings}
 * @param derivedPerFact derived facts per fact evaluated, likewise
 * @param bytesPerFact   bytes per fact evaluated, likewise, but never below {@link #MIN_BYTES}
 */
public record Budget(int maxFirings, int maxDerived, long maxNanos, long maxBytes, int firingsPerFact, int derivedPerFact,
                     long bytesPerFact) {
    /**
     * An evaluation of a few facts may always allocate this much. The shipped segments with 50
     * generated ones allocate ~13 MB for a chunk of 500 people (25k facts), under 5 KB per fact
     * once warm and 13 KB in a cold JVM (docs/benchmarks.md, round 36).
     */
    public static final long MIN_BYTES = 64L << 20;
    /** 64 KiB per fact: over ten times what legitimate rules were seen to allocate. */
    public static final long BYTES_PER_FACT = 64L << 10;
    /** The default limit of one evaluation's allocation: an eighth of the heap. */
    public static final long DEFAULT_MAX_BYTES = Math.max(MIN_BYTES, Runtime.getRuntime().maxMemory() / 8);
    public static final Budget DEFAULT = new Budget(10_000_000, 1_000_000, 30_000_000_000L, 1_000, 100);

    /** A budget with fixed limits (a test, an explanation): per fact as large as the limits. */
    public Budget(int maxFirings, int maxDerived, long maxNanos) {
        this(maxFirings, maxDerived, maxNanos, DEFAULT_MAX_BYTES, maxFirings, maxDerived, DEFAULT_MAX_BYTES);
    }

    /** A budget with the default memory limits. */
    public Budget(int maxFirings, int maxDerived, long maxNanos, int firingsPerFact, int derivedPerFact) {
        this(maxFirings, maxDerived, maxNanos, DEFAULT_MAX_BYTES, firingsPerFact, derivedPerFact, BYTES_PER_FACT);
    }

    /** The same limits for an evaluation of any number of facts: {@link #forFacts} changes nothing. */
    public Budget flat() { return new Budget(maxFirings, maxDerived, maxNanos, maxBytes, maxFirings, maxDerived, maxBytes); }

    /** This budget for an evaluation of {@code facts} facts: the per-fact limits applied. */
    public Budget forFacts(long facts) {
        long n = facts + 1L;
        return new Budget((int) Math.min(maxFirings, n * firingsPerFact), (int) Math.min(maxDerived, n * derivedPerFact), maxNanos,
                Math.min(maxBytes, Math.max(MIN_BYTES, n > Long.MAX_VALUE / bytesPerFact ? Long.MAX_VALUE : n * bytesPerFact)),
                firingsPerFact, derivedPerFact, bytesPerFact);
    }
}
