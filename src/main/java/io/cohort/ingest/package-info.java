/**
 * Ingestion: canonical source records (the contract of {@code POST /v1/sources/{id}/records}),
 * their validation with field-level errors, and mappers from vendors' native export shapes
 * (Marketo REST, Salesforce SOQL) to canonical records.
 */
package io.cohort.ingest;
