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
    private int total;

    Memberships(Collection<Qualified> realized) {
        // Each run of one person's rows (the ledger groups them) becomes their array with one lookup
        // and one store: a lookup and a store per row was most of a 60-segment 1M start here. Rows
        // in any order are still right: a person's later run merges with the array of the earlier.
        String person = null;
        List<String> run = new ArrayList<>();
        for (Qualified q : realized) {
            String p = q.personId();
            if (p != person && !p.equals(person)) {
                if (person != null) add(person, run);
                person = p;
                run.clear();
            }
            run.add(q.segmentId());
        }
        if (person != null) add(person, run);
    }

    /** Adds memberships of one person, keeping their array sorted and without repeats. */
    private void add(String person, List<String> segments) {
        String[] old = byPerson.getOrDefault(person, NONE);
        String[] a = Arrays.copyOf(old, old.length + segments.size());
        int n = old.length;
        for (String s : segments) a[n++] = ids.computeIfAbsent(s, k -> k);
        Arrays.sort(a);
        int m = 0;
        for (int i = 0; i < a.length; i++) if (m == 0 || !a[i].equals(a[m - 1])) a[m++] = a[i];
        a = m == a.length ? a : Arrays.copyOf(a, m);
        byPerson.put(person, a);
        total += a.length - old.length;
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
        total -= old.length;
        if (segments.isEmpty()) {
            byPerson.remove(person);
            return;
        }
        String[] a = new String[segments.size()];
        int i = 0;
        for (String s : new TreeSet<>(segments)) a[i++] = ids.computeIfAbsent(s, k -> k);
        byPerson.put(person, a);
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

    /** Every segment a membership was held in since the last {@link #forget} (the shared ids). */
    Set<String> segments() { return ids.keySet(); }

    /** Forgets the segments other than {@code kept} (their members have left them). */
    void forget(Set<String> kept) { ids.keySet().retainAll(kept); }

    int total() { return total; }
}
