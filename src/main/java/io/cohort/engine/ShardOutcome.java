package io.cohort.engine;

import io.cohort.model.Qualified;
import java.util.List;
import java.util.Set;

/** What one shard did in one round: rules fired, issues, and the qualifications it touched. */
record ShardOutcome(int fired, Set<Qualified> touched, List<RuntimeIssue> issues) {}
