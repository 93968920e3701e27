package io.cohort.engine;

import java.time.Instant;
import java.util.List;

/**
 * A sweep in progress: everyone evaluated again for some segments (a rule edit, a start after rules
 * changed, the clock's sweep, re-evaluate). Its rounds are stored as they finish, so until it ends
 * those segments' audiences mix people evaluated with the new rules and people not reached yet:
 * this tells analysts and operators so, and how far it is.
 *
 * @param cause        why ("rules", "start", "clock", "re-evaluate")
 * @param rulesVersion the rule set it evaluates with
 * @param segments     the segments evaluated again, sorted
 * @param since        when it began
 * @param people       how many people it evaluates
 * @param evaluated    how many of them are evaluated and stored so far
 */
public record Sweep(String cause, String rulesVersion, List<String> segments, Instant since, int people, int evaluated) {
    Sweep done(int evaluated) { return new Sweep(cause, rulesVersion, segments, since, people, Math.min(people, evaluated)); }
}
