package io.cohort.record;

/** A record of one source: (source id, record id), written "source:id". */
public record SourceRef(String source, String id) implements Comparable<SourceRef> {
    @Override public String toString() { return source + ":" + id; }

    @Override public int compareTo(SourceRef o) {
        int c = source.compareTo(o.source);
        return c != 0 ? c : id.compareTo(o.id);
    }
}
