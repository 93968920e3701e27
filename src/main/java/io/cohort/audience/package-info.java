/**
 * Audience: realized/exited memberships, their history (the change feed), consent, and the outbox
 * rows for each activation, all written in one transaction per evaluation round.
 */
package io.cohort.audience;
