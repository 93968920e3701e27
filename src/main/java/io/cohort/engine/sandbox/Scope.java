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

    Scope(Scope parent) { this.parent = parent; }

    Optional<Var> find(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Var v = s.vars.get(name);
            if (v != null) return Optional.of(v);
        }
        return Optional.empty();
    }

    void bind(Var v) { vars.put(v.name(), v); }

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
