package io.cohort.engine.sandbox;

import java.util.List;
import org.drools.drl.ast.descr.PatternDescr;

/**
 * What a segment rule asks of the person it qualifies alone: some of its direct conditions (their
 * Person, their Activity, their campaign and list memberships, the clock), checked and in order, each reading only variables bound by
 * one before it. Every person the rule qualifies matches them on their own facts, so they may
 * serve as a pre-filter: people they do not match need not be evaluated with their neighbourhood.
 *
 * @param segment   the rule's segment
 * @param patterns  the kept conditions, as the sandbox rewrote them (descriptors of this check only)
 * @param person    what the rule passes to new Qualified(…), e.g. {@code $p.id()}
 * @param reads     the kinds of fact the kept conditions match (what a person's own facts must hold)
 * @param selective whether they can serve: they test something beyond "a person" (else they pass
 *                  everyone) and bind the person the rule qualifies
 */
public record OwnConditions(String segment, List<PatternDescr> patterns, String person, java.util.Set<Class<?>> reads,
                            boolean selective) {}
