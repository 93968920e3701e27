package io.cohort.identity;

import io.cohort.record.SourceRef;


/**
 * A node of the profile graph: a source person, a source account or a source opportunity. People
 * of one email are joined through their unified id, accounts through links, everything else
 * through relations.
 * Components (connected sets of nodes) are the unit of partitioning and evaluation.
 */
public record Node(char kind, String id) implements Comparable<Node> {
    public static final char PERSON = 'P';
    public static final char ACCOUNT = 'A';
    public static final char OPPORTUNITY = 'O';

    static Node person(SourceRef ref) { return new Node(PERSON, ref.toString()); }

    static Node account(SourceRef ref) { return new Node(ACCOUNT, ref.toString()); }

    static Node opportunity(SourceRef ref) { return new Node(OPPORTUNITY, ref.toString()); }

    @Override public int compareTo(Node o) {
        int c = Character.compare(kind, o.kind);
        return c != 0 ? c : id.compareTo(o.id);
    }

    /** The source record this node stands for. Source ids never contain ':'. */
    public SourceRef ref() {
        int i = id.indexOf(':');
        return new SourceRef(id.substring(0, i), id.substring(i + 1));
    }

    @Override public String toString() { return kind + "|" + id; }
}
