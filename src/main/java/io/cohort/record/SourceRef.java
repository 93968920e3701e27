package io.cohort.record;

/** A record of one source: (source id, record id), written "source:id". */
public record SourceRef(String source, String id) implements Comparable<SourceRef> {
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
