package io.cohort.engine;

import java.time.Instant;

/**
 * Something a rule did at run time that an analyst must fix: it threw, or it fired without end
 * and was stopped by the firing limit.
 *
 * @param occurrences how often it happened since the service started (the other fields: the latest)
 */
public record RuntimeIssue(Instant at, String kind, String rule, String file, String message, long occurrences) {
    public RuntimeIssue(Instant at, String kind, String rule, String file, String message) {
        this(at, kind, rule, file, message, 1);
    }

    RuntimeIssue withOccurrences(long n) { return new RuntimeIssue(at, kind, rule, file, message, n); }
}
