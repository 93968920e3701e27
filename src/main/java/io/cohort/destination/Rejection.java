package io.cohort.destination;

/** A member a destination refused (e.g. Marketo reason code 1004 "Lead not found"). */
public record Rejection(String personId, String reason) {}
