/** Durable store: JDBI access to source records, memberships and the outbox; Liquibase migrations. */
package io.cohort.store;
