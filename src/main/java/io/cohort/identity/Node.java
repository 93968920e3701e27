package io.cohort.identity;

import io.cohort.record.SourceRef;


/**
 * A node of the profile graph: a source person, a source account or a source opportunity. People
 * of one email are joined through their unified id, accounts through links, everything else
 * through relations.
 * Components (connected sets of nodes) are the unit of partitioning and evaluation.
 *
 * <p>Holds the record's {@link SourceRef} (usually the very instance the record maps key on)
 * rather than a "source:id" text: a node costs no string of its own, and there is one per
 * person, account and deal of the graph.
 */
public record Node(char kind, SourceRef ref) implements Comparable<Node> {
    public static final char PERSON = 'P';
    public static final char ACCOUNT = 'A';
    public static final char OPPORTUNITY = 'O';

    static Node person(SourceRef ref) { return new Node(PERSON, ref); }

    static Node account(SourceRef ref) { return new Node(ACCOUNT, ref); }

    static Node opportunity(SourceRef ref) { return new Node(OPPORTUNITY, ref); }

    /** The node's text id, "source:id" (source ids never contain ':'). */
    public String id() { return ref.toString(); }

    /** By kind, then in the order of the text ids. */
    @Override public int compareTo(Node o) {
        int c = Character.compare(kind, o.kind);
        return c != 0 ? c : SourceRef.TEXT_ORDER.compare(ref, o.ref);
    }

    @Override public String toString() { return kind + "|" + ref; }

    // Written out: a record's generated equals and hashCode go through method handles, 4.5% of a
    // 1M snapshot read's samples where these inline to a char compare and SourceRef's kept hash.
    @Override public boolean equals(Object o) {
        return this == o || o instanceof Node n && n.kind == kind && n.ref.equals(ref);
    }

    @Override public int hashCode() { return 31 * kind + ref.hashCode(); }
}
