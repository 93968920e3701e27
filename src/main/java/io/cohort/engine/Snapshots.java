package io.cohort.engine;

import io.cohort.identity.Neighbourhood;
import io.cohort.model.Fact;
import io.cohort.model.Person;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The evaluated people as the audience stage needs them ({@link PersonSnapshot}), each made when
 * asked for: a sweep over everyone hands on only the people whose memberships change and the
 * members, and making a snapshot (the identities above all) for each of a million people was 5%
 * of a rule edit's workers. Read-only and safe to read from any thread: it holds the immutable
 * {@link Person} facts and their {@link Neighbourhood}, and makes a new snapshot at each read.
 */
final class Snapshots extends AbstractMap<String, PersonSnapshot> {
    private record Source(Person person, Neighbourhood neighbourhood) {}

    private final Map<String, Source> sources;

    private Snapshots(Map<String, Source> sources) { this.sources = sources; }

    static final Snapshots NONE = new Snapshots(Map.of());

    /** The subjects of {@code n} with their {@link Person} fact. */
    static Snapshots of(Neighbourhood n) {
        Map<String, Source> out = new HashMap<>();
        for (Fact f : n.facts()) {
            if (f instanceof Person p && n.subjects().contains(p.id())) out.put(p.id(), new Source(p, n));
        }
        return new Snapshots(out);
    }

    /** These people but {@code left}. */
    Snapshots without(Set<String> left) {
        Map<String, Source> out = new HashMap<>(sources);
        out.keySet().removeAll(left);
        return new Snapshots(out);
    }

    /** These people and {@code others} (theirs win). */
    Snapshots with(Snapshots others) {
        if (others.sources.isEmpty()) return this;
        Map<String, Source> out = new HashMap<>(sources);
        out.putAll(others.sources);
        return new Snapshots(out);
    }

    @Override public PersonSnapshot get(Object id) {
        Source s = sources.get(id);
        return s == null ? null : snapshot(s);
    }

    @Override public boolean containsKey(Object id) { return sources.containsKey(id); }

    @Override public int size() { return sources.size(); }

    private static PersonSnapshot snapshot(Source s) {
        Person p = s.person();
        return new PersonSnapshot(p.id(), p.email(), p.emailOptOut(), s.neighbourhood().identitiesOf(p.id()));
    }

    @Override public Set<Entry<String, PersonSnapshot>> entrySet() {
        return new AbstractSet<>() {
            @Override public Iterator<Entry<String, PersonSnapshot>> iterator() {
                Iterator<Map.Entry<String, Source>> it = sources.entrySet().iterator();
                return new Iterator<>() {
                    @Override public boolean hasNext() { return it.hasNext(); }

                    @Override public Entry<String, PersonSnapshot> next() {
                        var e = it.next();
                        return Map.entry(e.getKey(), snapshot(e.getValue()));
                    }
                };
            }

            @Override public int size() { return sources.size(); }
        };
    }
}
