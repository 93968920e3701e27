/**
 * The record contract: canonical source records as a source states them
 * ({@link io.cohort.record.SourceRecord}, one Java record class per type), their types with wire
 * names and keys ({@link io.cohort.record.RecordType}, the one place a type is declared: its
 * fields and JSON type name are derived from it), changes ({@link io.cohort.record.RecordChange}),
 * references across sources and field errors. Below ingest (which validates and maps into it),
 * store (which keeps it) and identity (which unifies it); it depends on none of them.
 */
package io.cohort.record;
