package io.cohort.store;

import io.cohort.record.SourceRecord;


/** A source record as stored: which source stated it, and in which batch (arrival order). */
public record StoredRecord(String source, SourceRecord record, long batchSeq) {}
