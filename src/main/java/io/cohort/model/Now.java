package io.cohort.model;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The current time as a fact. Exactly one exists in every session; the engine replaces it on every
 * clock tick, so rules that compare against it re-evaluate as time passes (members of a
 * "last 30 days" segment exit on time).
 */
@Describe("The current time; exactly one in every evaluation")
public record Now(@Describe("the current time") Instant instant) implements Fact {

    public String key() { return "NOW"; }

    /** The instant {@code days} days before now. */
    @Helper("the instant that many days before now")
    public Instant daysAgo(int days) { return instant.minus(days, ChronoUnit.DAYS); }

    /** The instant {@code hours} hours before now. */
    @Helper("the instant that many hours before now")
    public Instant hoursAgo(int hours) { return instant.minus(hours, ChronoUnit.HOURS); }

    /** Today's date in UTC, for date fields: {@code closeDate >= $now.date().minusDays(90)}. */
    @Helper("today's date (UTC), for date fields: closeDate >= $now.date().minusDays(90)")
    public java.time.LocalDate date() { return java.time.LocalDate.ofInstant(instant, java.time.ZoneOffset.UTC); }
}
