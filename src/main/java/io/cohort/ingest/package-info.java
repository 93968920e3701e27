/**
 * Ingestion: validation of canonical source records (the contract of
 * {@code POST /v1/sources/{id}/records}, declared in {@code io.cohort.record}) with field-level
 * errors ({@link io.cohort.ingest.RecordParser}); the configured sources, and mappers from
 * vendors' native export shapes (Marketo REST, Salesforce SOQL, MDM) to canonical records; and,
 * in {@code pull}, the connectors that fetch them.
 */
package io.cohort.ingest;
