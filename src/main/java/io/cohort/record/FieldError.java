package io.cohort.record;

/** A validation error: which record of the batch (0-based index), which field, what is wrong. */
public record FieldError(int index, String field, String message) {}
