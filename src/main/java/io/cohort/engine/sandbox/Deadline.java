package io.cohort.engine.sandbox;

/**
 * The time and memory budget inside matching. Drools checks {@code halt()} only between firings and
 * never while it works out a rule's matches, so a rule whose joins multiply (every colleague with
 * every colleague of every account) could hold an evaluator thread for half an hour without firing
 * once, or, when the combinations match, fill the heap with them (Drools makes all of a rule's
 * matches before it fires the first: 13M for 60 people of one account joined four ways, 2.3 GB)
 * and starve every other thread of the service. The sandbox therefore puts
 * {@link #CALL}{@code ($earlier)} first in every pattern that joins on an earlier binding: Drools
 * evaluates it for every pair of a join, which is where that time and memory go, and past the
 * deadline or the allocation limit of the evaluation running on this thread it throws
 * {@link Exceeded}. Memory is measured as the bytes this thread allocated since the evaluation
 * began (what a session holds is what it allocated, less little garbage), which costs no more than
 * reading the clock. A condition on one fact joins nothing; of its work only regular expressions
 * can take long (text length times expression size), and they read the same limits
 * ({@link #matching}).
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

    /** Allocation by thread, where the JVM can tell it (HotSpot can); null where it cannot. */
    private static final com.sun.management.ThreadMXBean ALLOCATION = allocationCounter();

    private static final class State {
        boolean armed;
        long deadline;
        long budgetNanos;
        /** The thread's allocation counter past which the evaluation stops; Long.MAX_VALUE: no limit. */
        long allocationLimit = Long.MAX_VALUE;
        long budgetBytes;
        int calls;
        /** Characters given to {@link #matching} since the limits were last read. */
        long matched;
    }

    /** What ran out: time or memory. */
    public enum Limit { TIME, MEMORY }

    /** Where the limit was met: in a join ({@link #ok}) or in a regular expression ({@link #matching}). */
    public enum Where { JOIN, REGEX }

    /** Thrown from a condition once the evaluation on this thread is past its deadline or allocation limit. */
    public static final class Exceeded extends RuntimeException {
        public final Limit limit;
        /** The budget that ran out: nanoseconds for time, bytes for memory. */
        public final long budget;
        public final Where where;

        Exceeded(Limit limit, long budget, Where where) {
            super(limit == Limit.TIME ? "the evaluation took longer than " + budget / 1_000_000 + " ms while matching conditions"
                    : "the evaluation allocated more than " + budget / (1 << 20) + " MiB while matching conditions", null, false, false);
            this.limit = limit;
            this.budget = budget;
            this.where = where;
        }
    }

    /** What {@link #start} replaced, given back to {@link #restore} (evaluations may nest on one thread). */
    public record Saved(boolean armed, long deadline, long budgetNanos, long allocationLimit, long budgetBytes) {}

    private Deadline() {}

    /**
     * Sets the deadline of the evaluation about to run on this thread, {@code budgetNanos} from now;
     * call {@link #restore} with the result in a finally block.
     */
    public static Saved start(long budgetNanos) { return start(budgetNanos, Long.MAX_VALUE); }

    /**
     * As {@link #start(long)}, also stopping the evaluation once this thread has allocated
     * {@code budgetBytes} more than now ({@code Long.MAX_VALUE}: no limit).
     */
    public static Saved start(long budgetNanos, long budgetBytes) {
        State s = STATE.get();
        Saved before = new Saved(s.armed, s.deadline, s.budgetNanos, s.allocationLimit, s.budgetBytes);
        s.armed = true;
        s.budgetNanos = budgetNanos;
        s.deadline = System.nanoTime() + budgetNanos;
        long allocated = allocated();
        s.budgetBytes = budgetBytes;
        s.allocationLimit = budgetBytes == Long.MAX_VALUE || allocated < 0 ? Long.MAX_VALUE : saturatedAdd(allocated, budgetBytes);
        s.calls = 0;
        s.matched = 0;
        return before;
    }

    public static void restore(Saved before) {
        State s = STATE.get();
        s.armed = before.armed();
        s.deadline = before.deadline();
        s.budgetNanos = before.budgetNanos();
        s.allocationLimit = before.allocationLimit();
        s.budgetBytes = before.budgetBytes();
    }

    /**
     * Which limit of this thread's evaluation is spent, or null: for checks outside the
     * conditions (between firings), where throwing is not the way to stop.
     */
    public static Limit spent() {
        State s = STATE.get();
        if (!s.armed) return null;
        if (System.nanoTime() - s.deadline > 0) return Limit.TIME;
        if (s.allocationLimit != Long.MAX_VALUE && allocated() > s.allocationLimit) return Limit.MEMORY;
        return null;
    }

    /** The budget of the limit given, for messages. */
    public static long budget(Limit limit) {
        State s = STATE.get();
        return limit == Limit.TIME ? s.budgetNanos : s.budgetBytes;
    }

    /**
     * True, or {@link Exceeded} once this thread's evaluation is past its deadline. The argument
     * is a variable bound before the pattern: it is what makes Drools evaluate the call per join
     * pair rather than once per fact; its value is not read.
     */
    public static boolean ok(Object joined) {
        State s = STATE.get();
        if (!s.armed || (++s.calls & (SAMPLE - 1)) != 0) return true;
        check(s, Where.JOIN);
        return true;
    }

    /** Characters matched between two readings of the limits: a match takes at least a step per character. */
    private static final int MATCHED_PER_READING = 1 << 12;

    /**
     * Called before a regular expression matches {@code chars} characters ({@link LinearRegex}).
     * A condition on one fact's fields joins nothing, so it has no {@link #ok}: a draft matching
     * 4,000-character fields of 1,200 people against a long expression ran 15 s past a 3 s budget,
     * its session held after the analyst had been told it stopped. Throws {@link Exceeded} as
     * {@link #ok} does; the limits are read once per ~4,096 characters (each call counts 16 more:
     * short texts cost too).
     */
    static void matching(int chars) {
        State s = STATE.get();
        if (!s.armed) return;
        s.matched += chars + 16L;
        if (s.matched < MATCHED_PER_READING) return;
        s.matched = 0;
        check(s, Where.REGEX);
    }

    private static void check(State s, Where where) {
        if (System.nanoTime() - s.deadline > 0) throw new Exceeded(Limit.TIME, s.budgetNanos, where);
        if (s.allocationLimit != Long.MAX_VALUE && allocated() > s.allocationLimit) throw new Exceeded(Limit.MEMORY, s.budgetBytes, where);
    }

    /** Bytes this thread has allocated since it started, or -1 where the JVM does not say. */
    private static long allocated() {
        return ALLOCATION == null ? -1 : ALLOCATION.getCurrentThreadAllocatedBytes();
    }

    /**
     * The same, for the engine to count what several evaluations of one request allocated
     * together (io.cohort.engine.Allowance).
     */
    public static long allocatedBytes() { return allocated(); }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        try {
            if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported()) {
                if (!t.isThreadAllocatedMemoryEnabled()) t.setThreadAllocatedMemoryEnabled(true);
                return t.getCurrentThreadAllocatedBytes() >= 0 ? t : null;
            }
        } catch (UnsupportedOperationException | SecurityException e) {
            // No per-thread allocation on this JVM: the time budget still holds.
        }
        return null;
    }

    /** Whether this JVM lets the memory budget be measured (HotSpot does). */
    public static boolean measuresMemory() { return ALLOCATION != null; }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** Whether a constraint's text is the sandbox's call (explanations and signatures pass over it). */
    public static boolean isCall(String constraint) {
        return constraint != null && constraint.startsWith(CALL + "(");
    }
}
