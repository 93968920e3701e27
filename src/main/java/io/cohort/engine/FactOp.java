package io.cohort.engine;

import io.cohort.model.Fact;

/** A change to a session's facts: insert-or-update a fact, or delete the fact with a key. */
sealed interface FactOp {
    /** {@code key} is {@code fact.key()}, computed once so that one String instance serves every map. */
    record Put(String key, Fact fact) implements FactOp {
        Put(Fact fact) { this(fact.key(), fact); }
    }

    record Remove(String key) implements FactOp {}
}
