package io.cohort.engine;

import io.cohort.identity.Touched;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * What ingest (and the engine itself, for people due later) handed over and no round has
 * evaluated yet, as one value: what the batches touched, people named directly, and the last
 * batch among them. Rounds {@link #take() take} it whole and {@link #putBack put it back} when
 * they fail, so nothing is evaluated twice or dropped. Not thread-safe: the evaluator guards it.
 */
final class Backlog {
    private Touched touched = new Touched();
    private Set<String> people = new HashSet<>();
    private long upTo = -1;

    /** One round's share: everything handed over until it was taken. */
    record Work(Touched touched, Set<String> people, long upTo) {}

    void batch(Touched t, long batchSeq) {
        touched.addAll(t);
        upTo = Math.max(upTo, batchSeq);
    }

    void people(Collection<String> ids) { people.addAll(ids); }

    Work take() {
        Work w = new Work(touched, people, upTo);
        touched = new Touched();
        people = new HashSet<>();
        return w;
    }

    void putBack(Work w) {
        touched.addAll(w.touched());
        people.addAll(w.people());
        upTo = Math.max(upTo, w.upTo());
    }

    /** A batch is waiting: its people are not known before the graph is asked. */
    boolean hasBatches() { return !touched.isEmpty(); }

    Set<String> peopleCopy() { return new HashSet<>(people); }
}
