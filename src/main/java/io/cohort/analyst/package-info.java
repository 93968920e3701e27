/**
 * The analyst's tools around the rule files: rule tests ({@code rules/*.test.yml}, run by
 * {@link io.cohort.analyst.RuleTests}), previews of drafts and explanations of memberships
 * ({@link io.cohort.analyst.Workbench}). Everything here evaluates in throw-away sessions and
 * changes nothing; it uses ingest (to parse test records), identity (to unify them) and engine.
 */
package io.cohort.analyst;
