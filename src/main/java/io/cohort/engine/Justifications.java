package io.cohort.engine;

import io.cohort.engine.OneShot.Justification;
import io.cohort.engine.OneShot.Matched;
import io.cohort.model.Fact;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.core.rule.consequence.InternalMatch;
import org.drools.core.util.LinkedList;
import org.drools.tms.LogicalDependency;
import org.drools.tms.agenda.TruthMaintenanceSystemInternalMatch;
import org.kie.api.runtime.rule.Match;

/**
 * Which fired matches still justify which logically inserted facts, once a one-shot session is
 * quiet. The kie-api tells when a match fires but not when a fired match stops holding (a
 * {@code not} that became false later in the same run): the truth-maintenance system does, since
 * it drops the dependencies of a match that no longer holds. That is Drools-internal API
 * (drools-tms), so it is read in this one place; when a match does not expose it (another engine
 * mode), the explanation falls back to "fired, declares the segment and matched the person".
 */
final class Justifications {
    private static final int MAX_DEPTH = 4;

    private final RuleBook book;
    /** Logically inserted object → the fired matches that still justify it. */
    private final Map<Object, List<Match>> byJustified = new HashMap<>();
    private final List<Match> withoutTms = new ArrayList<>();

    Justifications(RuleBook book, List<Match> fired) {
        this.book = book;
        Set<Match> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Match m : fired) {
            if (!seen.add(m)) continue; // a match that fired again after an update is one match
            if (m instanceof TruthMaintenanceSystemInternalMatch<?> tms) {
                LinkedList<? extends LogicalDependency<?>> deps = tms.getLogicalDependencies();
                if (deps == null) continue;
                for (LogicalDependency<?> d = deps.getFirst(); d != null; d = d.getNext()) {
                    List<Match> list = byJustified.computeIfAbsent(d.getObject(), k -> new ArrayList<>());
                    if (!list.contains(m)) list.add(m);
                }
            } else {
                withoutTms.add(m);
            }
        }
    }

    Map<Qualified, List<Justification>> forAll(Set<Qualified> qualified) {
        Map<Qualified, List<Justification>> out = new LinkedHashMap<>();
        for (Qualified q : qualified) out.put(q, of(q));
        return out;
    }

    private List<Justification> of(Qualified q) {
        List<Match> matches = new ArrayList<>(byJustified.getOrDefault(q, List.of()));
        for (Match m : withoutTms) {
            if (q.segmentId().equals(String.valueOf(m.getRule().getMetaData().get("segment")))
                    && m.getObjects().stream().anyMatch(o -> o instanceof Person p && p.id().equals(q.personId()))) {
                matches.add(m);
            }
        }
        return justify(matches, new HashSet<>(Set.of(q)), 0);
    }

    private List<Justification> justify(List<Match> matches, Set<Object> path, int depth) {
        List<Justification> out = new ArrayList<>();
        for (Match m : matches) {
            Map<String, Object> bindings = new LinkedHashMap<>();
            for (String id : m.getDeclarationIds()) {
                Object v = m.getDeclarationValue(id);
                if (isScalar(v)) bindings.put(id, v);
            }
            List<Matched> facts = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            for (Object o : objects(m)) {
                if (o == null) continue;
                if (isScalar(o)) {
                    values.add(o);
                    continue;
                }
                List<Justification> derived = List.of();
                List<Match> by = byJustified.get(o);
                if (by != null && depth < MAX_DEPTH && path.add(o)) {
                    derived = justify(by, path, depth + 1);
                    path.remove(o);
                }
                facts.add(matched(o, derived));
            }
            String rule = m.getRule().getName();
            out.add(new Justification(rule, book.fileOf(rule), bindings, values, facts));
        }
        return out;
    }

    /**
     * The match's objects including those inside {@code exists} and {@code accumulate} (the event
     * that satisfied an exists, the amounts that were summed), which the kie-api's
     * {@link Match#getObjects()} leaves out.
     */
    private static List<Object> objects(Match m) {
        List<Object> all = m instanceof InternalMatch im ? im.getObjectsDeep() : m.getObjects();
        List<Object> out = new ArrayList<>();
        Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Object o : all) if (seen.add(o)) out.add(o);
        return out;
    }

    private static Matched matched(Object o, List<Justification> derivedBy) {
        String type = o.getClass().getSimpleName();
        if (o instanceof Fact f) return new Matched(f.key(), type, f, derivedBy);
        // A declared type (generated class) or an accumulate's result: shown as text.
        return new Matched(String.valueOf(o), type, String.valueOf(o), derivedBy);
    }

    private static boolean isScalar(Object v) {
        return v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof Instant
                || v instanceof LocalDate;
    }
}
