package io.cohort.engine;

import java.time.Instant;

/**
 * Something a rule did at run time that an analyst must fix: it threw, or it fired without end
 * and was stopped by the firing limit.
 */
public record RuntimeIssue(Instant at, String kind, String rule, String file, String message) {}
