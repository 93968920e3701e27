package io.cohort.identity;

/** A source record with the source that stated it and the batch it arrived in. */
record Stamped<T>(String source, T record, long seq) {}
