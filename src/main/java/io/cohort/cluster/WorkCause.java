package io.cohort.cluster;

/**
 * Why a person is evaluated, as the change feed names it (membership_change.cause, as single mode
 * writes it). Sent as the record header {@value #HEADER}; none means ingest. When one poll holds
 * several messages for a person, the first of this order names the changes.
 */
public enum WorkCause {
    INGEST("ingest"), RULES("rules"), CLOCK("clock"), REEVALUATE("re-evaluate"), CONSISTENCY("consistency");

    static final String HEADER = "cohort-cause";

    final String text;

    WorkCause(String text) { this.text = text; }

    /** The cause a header names; ingest without one (or for one this version does not know). */
    static WorkCause of(byte[] header) {
        return header == null ? INGEST : named(new String(header, java.nio.charset.StandardCharsets.UTF_8), INGEST);
    }

    /** The cause {@code text} names; {@code otherwise} for null or one this version does not know. */
    static WorkCause named(String text, WorkCause otherwise) {
        for (WorkCause c : values()) if (c.text.equals(text)) return c;
        return otherwise;
    }

    byte[] header() { return this == INGEST ? null : text.getBytes(java.nio.charset.StandardCharsets.UTF_8); }
}
