package io.cohort.audience;

/** A segment bound to a destination: which outbox rows to write for which segment. */
public record ActivationBinding(String id, String segmentId, String destinationId) {}
