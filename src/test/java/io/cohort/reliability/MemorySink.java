package io.cohort.reliability;

import io.cohort.engine.EngineState;
import io.cohort.engine.MembershipDelta;
import io.cohort.engine.MembershipSink;
import io.cohort.engine.Round;
import io.cohort.model.Qualified;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Our own membership port, kept in memory: what the evaluator reported, applied in order. A test
 * implementation (not a mock): it also checks the port's contract, that a delta always changes
 * something (an entered member is not entered again, an exit is of a member).
 */
public final class MemorySink implements MembershipSink {
    private final Set<Qualified> realized = new HashSet<>();
    private final List<String> contractViolations = new ArrayList<>();
    private long rounds;
    private long stateWrites;
    private EngineState state = EngineState.NONE;

    @Override public synchronized Set<Qualified> realized() { return Set.copyOf(realized); }

    @Override public synchronized EngineState state() { return state; }

    @Override public synchronized void checkpoint(EngineState s) {
        state = s;
        stateWrites++;
    }

    @Override public synchronized void apply(Round round) {
        rounds++;
        if (round.state() != null) {
            state = round.state();
            stateWrites++;
        }
        for (MembershipDelta d : round.deltas()) {
            Qualified q = new Qualified(d.segmentId(), d.personId());
            boolean changed = d.entered() ? realized.add(q) : realized.remove(q);
            if (!changed) contractViolations.add(round.cause() + ": " + d + " changed nothing");
        }
    }

    public synchronized Set<Qualified> members() { return Set.copyOf(realized); }

    /** What is stored now (members and engine state), as another process would find it. */
    public synchronized MemorySink copy() {
        MemorySink c = new MemorySink();
        c.realized.addAll(realized);
        c.state = state;
        return c;
    }

    public synchronized List<String> contractViolations() { return List.copyOf(contractViolations); }

    public synchronized long rounds() { return rounds; }

    /** Writes of the engine's state: checkpoints, and rounds that carried it (each a commit in the real sink). */
    public synchronized long stateWrites() { return stateWrites; }
}
