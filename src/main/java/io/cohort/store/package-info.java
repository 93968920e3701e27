/**
 * Durable store (JDBI, Liquibase migrations): source records and ingest batches, quarantined
 * records, connector cursors, applied rule sets, and the store's identity. Memberships, the change
 * feed and the outbox are written by the audience and destination stages in their own tables.
 */
package io.cohort.store;
