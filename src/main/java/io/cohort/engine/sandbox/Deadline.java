package io.cohort.engine.sandbox;

/**
 * The time budget inside matching. Drools checks {@code halt()} only between firings and never
 * while it works out a rule's matches, so a rule whose joins multiply (every colleague with every
 * colleague of every account) could hold an evaluator thread for half an hour without firing once.
 * The sandbox therefore puts {@link #CALL}{@code ($earlier)} first in every pattern that joins on
 * an earlier binding: Drools evaluates it for every pair of a join, which is where that time goes,
 * and past the deadline of the evaluation running on this thread it throws {@link Exceeded}.
 *
 * <p>Analysts cannot call it: the sandbox's allow-list has no such method, and only the sandbox
 * adds it, after checking the rule. Outside an evaluation ({@link #start} not called on the thread)
 * it does nothing.
 */
public final class Deadline {
    /** How a checked constraint calls {@link #ok}. */
    public static final String CALL = Deadline.class.getName() + ".ok";
    /** Calls between two readings of the clock (a power of two): ~25 ns a reading, a few ns a call. */
    private static final int SAMPLE = 1 << 10;
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    private static final class State {
        boolean armed;
        long deadline;
        long budgetNanos;
        int calls;
    }

    /** Thrown from a condition once the evaluation on this thread is past its deadline. */
    public static final class Exceeded extends RuntimeException {
        public final long budgetNanos;

        Exceeded(long budgetNanos) {
            super("the evaluation took longer than " + budgetNanos / 1_000_000 + " ms while matching conditions", null, false, false);
            this.budgetNanos = budgetNanos;
        }
    }

    /** What {@link #start} replaced, given back to {@link #restore} (evaluations may nest on one thread). */
    public record Saved(boolean armed, long deadline, long budgetNanos) {}

    private Deadline() {}

    /**
     * Sets the deadline of the evaluation about to run on this thread, {@code budgetNanos} from now;
     * call {@link #restore} with the result in a finally block.
     */
    public static Saved start(long budgetNanos) {
        State s = STATE.get();
        Saved before = new Saved(s.armed, s.deadline, s.budgetNanos);
        s.armed = true;
        s.budgetNanos = budgetNanos;
        s.deadline = System.nanoTime() + budgetNanos;
        s.calls = 0;
        return before;
    }

    public static void restore(Saved before) {
        State s = STATE.get();
        s.armed = before.armed();
        s.deadline = before.deadline();
        s.budgetNanos = before.budgetNanos();
    }

    /**
     * True, or {@link Exceeded} once this thread's evaluation is past its deadline. The argument
     * is a variable bound before the pattern: it is what makes Drools evaluate the call per join
     * pair rather than once per fact; its value is not read.
     */
    public static boolean ok(Object joined) {
        State s = STATE.get();
        if (!s.armed || (++s.calls & (SAMPLE - 1)) != 0) return true;
        if (System.nanoTime() - s.deadline > 0) throw new Exceeded(s.budgetNanos);
        return true;
    }

    /** Whether a constraint's text is the sandbox's call (explanations and signatures pass over it). */
    public static boolean isCall(String constraint) {
        return constraint != null && constraint.startsWith(CALL + "(");
    }
}
