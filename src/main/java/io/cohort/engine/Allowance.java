package io.cohort.engine;

/**
 * One {@link Budget} shared by the evaluations of one request: an explanation runs up to three
 * (whether the person qualifies, the probes of "why not", the other segments), and each had the
 * whole budget, so one request could take three times engine.previewTimeout and allocate three
 * times engine.maxEvaluationMemory. Here they share one deadline, set when the request starts, and
 * one allocation limit that what each run allocated counts against; a run finds what the runs
 * before it left ({@link #next}), and a run that finds nothing left is not started.
 *
 * <p>For the runs of one request, one after another on one thread: not thread-safe.
 */
public final class Allowance {
    private final Budget budget;
    private final long deadline;
    private long allocated;

    /** What the next run may spend: nanoseconds to the deadline and bytes left; either may be 0 or less (spent). */
    public record Grant(long nanos, long bytes) {
        /** All of {@code budget}: a run that shares it with no other. */
        static Grant whole(Budget budget) { return new Grant(budget.maxNanos(), budget.maxBytes()); }

        boolean spent() { return nanos <= 0 || bytes <= 0; }
    }

    /** Starts the clock: the deadline is {@code budget.maxNanos()} from now. */
    public Allowance(Budget budget) {
        this.budget = budget;
        this.deadline = System.nanoTime() + budget.maxNanos();
    }

    /** The budget of the whole request, as configured: what messages name. */
    public Budget budget() { return budget; }

    /** What the runs before left for the next one. */
    public Grant next() { return new Grant(deadline - System.nanoTime(), budget.maxBytes() - allocated); }

    /** Counts what a run allocated against the request's limit. */
    void charge(long bytes) {
        if (bytes > 0) allocated = allocated > Long.MAX_VALUE - bytes ? Long.MAX_VALUE : allocated + bytes;
    }
}
