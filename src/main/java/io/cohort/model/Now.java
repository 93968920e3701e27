package io.cohort.model;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The current time as a fact. Exactly one exists in every session; the engine replaces it on every
 * clock tick, so rules that compare against it re-evaluate as time passes (members of a
 * "last 30 days" segment exit on time).
 */
public record Now(Instant instant) implements Fact {

    public String key() { return "NOW"; }

    /** The instant {@code days} days before now. */
    public Instant daysAgo(int days) { return instant.minus(days, ChronoUnit.DAYS); }

    /** The instant {@code hours} hours before now. */
    public Instant hoursAgo(int hours) { return instant.minus(hours, ChronoUnit.HOURS); }
}
