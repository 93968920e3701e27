package io.cohort.engine;

import io.cohort.model.Qualified;
import java.util.*;
import org.eclipse.collections.impl.map.mutable.UnifiedMap;

/**
 * The segments each person is a member of, as last reported to the audience stage: what a new
 * evaluation is compared with. Confined to the evaluator's coordinator thread. Segment ids are
 * shared strings, a person's segments a small sorted array.
 */
final class Memberships {
    private static final String[] NONE = new String[0];
    /** Open-addressed (no entry object per person: there is one per member at 1M). */
    private final Map<String, String[]> byPerson = UnifiedMap.newMap();
    private final Map<String, String> ids = new HashMap<>();
    private final Map<String, Integer> sizes = new HashMap<>();
    private int total;

    Memberships(Collection<Qualified> realized) {
        // Straight into each person's array: a TreeSet per person first was a second of a 1M restart.
        for (Qualified q : realized) add(q.personId(), q.segmentId());
    }

    /** Adds one membership, keeping the person's array sorted and without repeats. */
    private void add(String person, String segment) {
        String s = ids.computeIfAbsent(segment, k -> k);
        String[] old = byPerson.getOrDefault(person, NONE);
        int pos = 0;
        while (pos < old.length && old[pos].compareTo(s) < 0) pos++;
        if (pos < old.length && old[pos].equals(s)) return;
        String[] a = new String[old.length + 1];
        System.arraycopy(old, 0, a, 0, pos);
        a[pos] = s;
        System.arraycopy(old, pos, a, pos + 1, old.length - pos);
        byPerson.put(person, a);
        sizes.merge(s, 1, Integer::sum);
        total++;
    }

    Set<String> of(String person) {
        String[] a = byPerson.getOrDefault(person, NONE);
        return a.length == 0 ? Set.of() : Set.of(a);
    }

    boolean contains(String person, String segment) {
        for (String s : byPerson.getOrDefault(person, NONE)) if (s.equals(segment)) return true;
        return false;
    }

    void set(String person, Set<String> segments) {
        String[] old = byPerson.getOrDefault(person, NONE);
        for (String s : old) sizes.merge(s, -1, Integer::sum);
        total -= old.length;
        if (segments.isEmpty()) {
            byPerson.remove(person);
            return;
        }
        String[] a = new String[segments.size()];
        int i = 0;
        for (String s : new TreeSet<>(segments)) a[i++] = ids.computeIfAbsent(s, k -> k);
        byPerson.put(person, a);
        for (String s : a) sizes.merge(s, 1, Integer::sum);
        total += a.length;
    }

    /** People with at least one membership. */
    Set<String> people() { return byPerson.keySet(); }

    /** Members of a segment (a scan: for removed segments and checks, not the hot path). */
    List<String> membersOf(String segment) {
        List<String> out = new ArrayList<>();
        byPerson.forEach((p, segs) -> { for (String s : segs) if (s.equals(segment)) out.add(p); });
        return out;
    }

    Set<String> segments() { return sizes.keySet(); }

    int total() { return total; }
}
