/**
 * Ingestion: canonical source records (the contract of {@code POST /v1/sources/{id}/records}),
 * declared once by the record classes of {@link io.cohort.ingest.SourceRecord} and
 * {@link io.cohort.ingest.RecordType}; their validation with field-level errors
 * ({@link io.cohort.ingest.RecordParser}); mappers from vendors' native export shapes (Marketo
 * REST, Salesforce SOQL, MDM) to canonical records; and, in {@code pull}, the connectors that
 * fetch them.
 */
package io.cohort.ingest;
