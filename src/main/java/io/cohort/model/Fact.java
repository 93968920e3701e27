package io.cohort.model;

/** A fact inserted into rule sessions. The key identifies it across updates. */
public interface Fact {
    /** Unique key of this fact within the whole fact set, e.g. "P:p-1a2b". */
    String key();
}
