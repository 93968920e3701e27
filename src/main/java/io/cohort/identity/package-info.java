/**
 * Identity: unification of source records into unified people (by normalized email), unified
 * accounts (MDM links and CRM→Marketo sync, transitively) and unified opportunities, and the
 * profile-graph components that partition the facts for evaluation.
 */
package io.cohort.identity;
