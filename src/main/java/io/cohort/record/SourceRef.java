package io.cohort.record;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A record of one source: (source id, record id), written "source:id".
 *
 * <p>A value class rather than a record so that it keeps its hash: it is the key of every index
 * of the profile graph, and a record's hash reads both strings' objects again on every lookup
 * (9% of a 1M rule edit's samples). The extra field fits in the object's padding.
 */
public final class SourceRef implements Comparable<SourceRef> {
    private final String source;
    private final String id;
    private final int hash;

    @JsonCreator
    public SourceRef(@JsonProperty("source") String source, @JsonProperty("id") String id) {
        this.source = source;
        this.id = id;
        this.hash = Objects.hashCode(id) ^ Objects.hashCode(source) * 0x9E3779B9;
    }

    @JsonProperty("source") public String source() { return source; }

    @JsonProperty("id") public String id() { return id; }

    @Override public boolean equals(Object o) {
        if (this == o) return true;
        return o instanceof SourceRef r && r.hash == hash && Objects.equals(id, r.id) && Objects.equals(source, r.source);
    }

    /**
     * h(id) XOR a golden-ratio multiple of h(source), not 31·h(source) + h(id): sources are named
     * alike ("crm-1", "crm-2") and ids are sequential, so the sum gave 56% of a 1M run's account
     * keys a hash shared with another (each lookup then comparing strings). The XOR leaves none
     * and keeps one source's sequential ids in neighbouring buckets (a fully mixed hash scattered
     * them and made the 1M start ~15 s slower: docs/benchmarks.md, Round 16).
     */
    @Override public int hashCode() { return hash; }

    @Override public String toString() { return source + ":" + id; }

    /**
     * The order of {@link #toString()}, without building it ("a-b:x" sorts before "a:y" here but
     * after it in {@link #compareTo}): where merges follow the order of graph nodes' text ids.
     */
    public static final java.util.Comparator<SourceRef> TEXT_ORDER = (a, b) -> {
        int la = a.source.length() + 1 + a.id.length(), lb = b.source.length() + 1 + b.id.length();
        for (int i = 0, n = Math.min(la, lb); i < n; i++) {
            char x = a.charAt(i), y = b.charAt(i);
            if (x != y) return x - y;
        }
        return la - lb;
    };

    private char charAt(int i) {
        int s = source.length();
        return i < s ? source.charAt(i) : i == s ? ':' : id.charAt(i - s - 1);
    }

    @Override public int compareTo(SourceRef o) {
        int c = source.compareTo(o.source);
        return c != 0 ? c : id.compareTo(o.id);
    }
}
