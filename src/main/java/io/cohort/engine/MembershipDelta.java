package io.cohort.engine;

/** A person entered ({@code entered}) or exited a segment. */
public record MembershipDelta(String segmentId, String personId, boolean entered) {}
