package io.cohort.engine.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The variables visible at a point of a rule's condition. Bindings inside not/exists/forall and
 * accumulate inputs live in a child scope and are gone after it, as in Drools.
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Var> vars = new LinkedHashMap<>();
    /**
     * The line of a pattern matched 'from' a collection in this part of the condition, 0 when none:
     * facts matched after it are matched once per element, so a second 'from' on the same chain
     * would match every element of one with every element of the other.
     */
    private int fromLine;

    Scope(Scope parent) { this.parent = parent; }

    Optional<Var> find(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Var v = s.vars.get(name);
            if (v != null) return Optional.of(v);
        }
        return Optional.empty();
    }

    void bind(Var v) { vars.put(v.name(), v); }

    /** The line of a 'from' pattern earlier on this chain (here or in an enclosing part), 0 when none. */
    int fromInChain() {
        for (Scope s = this; s != null; s = s.parent) if (s.fromLine > 0) return s.fromLine;
        return 0;
    }

    /** A 'from' pattern at {@code line} matches here (or in a branch of an 'or' here). */
    void markFrom(int line) { if (fromLine == 0) fromLine = Math.max(1, line); }

    /** The line of a 'from' pattern in this part itself, 0 when none (for an 'or' to pass on what its branches hold). */
    int ownFrom() { return fromLine; }

    Map<String, Var> local() { return vars; }

    /** Whether anything that anchors a join (a fact or an entity id, not the clock) is bound. */
    boolean anchored() {
        for (Scope s = this; s != null; s = s.parent) {
            for (Var v : s.vars.values()) if (!v.isNow()) return true;
        }
        return false;
    }

    List<String> names() {
        List<String> out = new ArrayList<>();
        for (Scope s = this; s != null; s = s.parent) out.addAll(s.vars.keySet());
        return out;
    }
}
