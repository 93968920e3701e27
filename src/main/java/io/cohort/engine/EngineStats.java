package io.cohort.engine;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Counters and recent run-time issues of the evaluator, for metrics, health and GET /v1/rules. */
public final class EngineStats {
    private static final int MAX_ISSUES = 100;
    private final Deque<RuntimeIssue> issues = new ArrayDeque<>();
    private volatile long oldestPendingNanos;
    private volatile long lastRoundMillis;
    private volatile long rounds;
    private volatile long firings;
    private volatile int realized;
    private volatile long evaluations;
    private volatile long checked;
    private volatile long inconsistent;

    synchronized void markPending(long nanos) {
        if (oldestPendingNanos == 0) oldestPendingNanos = nanos;
    }

    synchronized void roundDone(long started, long ended) {
        oldestPendingNanos = 0;
        lastRoundMillis = (ended - started) / 1_000_000;
        rounds++;
    }

    /**
     * Keeps one entry per (kind, rule), the latest, with a count: a rule failing for every person
     * filled the list and pushed every other failing rule out of sight (RuleStressIT).
     */
    synchronized void issue(RuntimeIssue i) {
        long seen = 0;
        for (var it = issues.iterator(); it.hasNext(); ) {
            RuntimeIssue old = it.next();
            if (old.kind().equals(i.kind()) && old.rule().equals(i.rule())) {
                seen = old.occurrences();
                it.remove();
            }
        }
        if (issues.size() == MAX_ISSUES) issues.removeFirst();
        issues.addLast(i.withOccurrences(seen + i.occurrences()));
    }

    synchronized void evaluated(int people, int fired) {
        evaluations += people;
        firings += fired;
    }

    synchronized void checked(int people) { checked += people; }

    synchronized void inconsistent(int memberships) { inconsistent += memberships; }

    void setSizes(int realized) { this.realized = realized; }

    /** How long the oldest not yet evaluated batch has waited, in ms (0 when idle). */
    public long lagMillis() {
        long o = oldestPendingNanos;
        return o == 0 ? 0 : (System.nanoTime() - o) / 1_000_000;
    }

    public long lastRoundMillis() { return lastRoundMillis; }
    public long rounds() { return rounds; }
    public long firings() { return firings; }
    public int realized() { return realized; }
    /** People evaluated since start. */
    public long evaluations() { return evaluations; }
    /** People the consistency check evaluated afresh since start. */
    public long consistencyChecked() { return checked; }
    /** Memberships the consistency check found different from a fresh evaluation (and corrected). */
    public long consistencyDifferences() { return inconsistent; }

    public synchronized List<RuntimeIssue> issues() { return List.copyOf(issues); }
}
