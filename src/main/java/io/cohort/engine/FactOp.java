package io.cohort.engine;

import io.cohort.model.Fact;

/** A change to a session's facts: insert-or-update a fact, or delete the fact with a key. */
sealed interface FactOp {
    record Put(Fact fact) implements FactOp {}

    record Remove(String key) implements FactOp {}
}
