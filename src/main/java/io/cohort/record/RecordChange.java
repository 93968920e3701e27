package io.cohort.record;

/** One entry of an accepted batch: an upsert of a record, or a delete of what a key names. */
public sealed interface RecordChange {
    RecordType type();

    String key();

    record Upsert(SourceRecord record) implements RecordChange {
        public RecordType type() { return record.type(); }
        public String key() { return record.key(); }
    }

    record Delete(RecordType type, String key) implements RecordChange {}
}
