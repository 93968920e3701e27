package io.cohort.engine;

import io.cohort.model.Qualified;
import java.util.*;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.UnifiedIds;
import org.eclipse.collections.impl.map.mutable.primitive.LongObjectHashMap;

/**
 * The segments each person is a member of, as last reported to the audience stage: what a new
 * evaluation is compared with. Confined to the evaluator's coordinator thread. Segment ids are
 * shared strings, a person's segments a small sorted array.
 */
final class Memberships {
    private static final String[] NONE = new String[0];
    /**
     * People with a person id of the usual form ("p-" and 16 hex digits, every id the graph
     * derives) by its 64 bits: no id string is kept per member (a million of them at 1M, ~64 MB),
     * and a lookup compares numbers in the table.
     */
    private final LongObjectHashMap<String[]> byKey = new LongObjectHashMap<>();
    /** People with an id of any other form, by the id. */
    private final Map<String, String[]> byOther = new HashMap<>();
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

    private String[] get(String person) {
        String[] a = UnifiedIds.isPersonId(person) ? byKey.get(UnifiedIds.personKey(person)) : byOther.get(person);
        return a == null ? NONE : a;
    }

    private void put(String person, String[] segments) {
        if (UnifiedIds.isPersonId(person)) byKey.put(UnifiedIds.personKey(person), segments);
        else byOther.put(person, segments);
    }

    private void remove(String person) {
        if (UnifiedIds.isPersonId(person)) byKey.remove(UnifiedIds.personKey(person));
        else byOther.remove(person);
    }

    /** Adds memberships of one person, keeping their array sorted and without repeats. */
    private void add(String person, List<String> segments) {
        String[] old = get(person);
        String[] a = Arrays.copyOf(old, old.length + segments.size());
        int n = old.length;
        for (String s : segments) a[n++] = ids.computeIfAbsent(s, k -> k);
        Arrays.sort(a);
        int m = 0;
        for (int i = 0; i < a.length; i++) if (m == 0 || !a[i].equals(a[m - 1])) a[m++] = a[i];
        a = m == a.length ? a : Arrays.copyOf(a, m);
        put(person, a);
        total += a.length - old.length;
    }

    Set<String> of(String person) {
        String[] a = get(person);
        return a.length == 0 ? Set.of() : Set.of(a);
    }

    boolean contains(String person, String segment) {
        for (String s : get(person)) if (s.equals(segment)) return true;
        return false;
    }

    void set(String person, Set<String> segments) {
        String[] old = get(person);
        total -= old.length;
        if (segments.isEmpty()) {
            remove(person);
            return;
        }
        String[] a = new String[segments.size()];
        int i = 0;
        for (String s : new TreeSet<>(segments)) a[i++] = ids.computeIfAbsent(s, k -> k);
        put(person, a);
        total += a.length;
    }

    /** People with at least one membership (their ids made now: a list to iterate, not a view). */
    List<String> people() {
        List<String> out = new ArrayList<>(byKey.size() + byOther.size());
        byKey.forEachKey(k -> out.add(UnifiedIds.personId(k)));
        out.addAll(byOther.keySet());
        return out;
    }

    int peopleCount() { return byKey.size() + byOther.size(); }

    /** Each person with a membership and their segments (sorted; the array is the table's own: read, do not keep). */
    void forEach(java.util.function.BiConsumer<String, String[]> each) {
        byKey.forEachKeyValue((k, a) -> each.accept(UnifiedIds.personId(k), a));
        byOther.forEach(each);
    }

    /** {@code n} people with a membership drawn at random (with repeats), ids made only for those drawn. */
    List<String> randomPeople(int n, Random random) {
        int size = peopleCount();
        if (size == 0) return List.of();
        long[] keys = byKey.keySet().toArray();
        List<String> others = new ArrayList<>(byOther.keySet());
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int j = random.nextInt(size);
            out.add(j < keys.length ? UnifiedIds.personId(keys[j]) : others.get(j - keys.length));
        }
        return out;
    }

    /** The people with a membership the graph does not have, made as ids only for them. */
    List<String> missingFrom(ProfileGraph graph) {
        List<String> out = new ArrayList<>();
        byKey.forEachKey(k -> { if (!graph.hasPersonKey(k)) out.add(UnifiedIds.personId(k)); });
        for (String p : byOther.keySet()) if (!graph.hasPerson(p)) out.add(p);
        return out;
    }

    /** Members of a segment (a scan: for removed segments and checks, not the hot path). */
    List<String> membersOf(String segment) {
        List<String> out = new ArrayList<>();
        byKey.forEachKeyValue((k, segs) -> { for (String s : segs) if (s.equals(segment)) out.add(UnifiedIds.personId(k)); });
        byOther.forEach((p, segs) -> { for (String s : segs) if (s.equals(segment)) out.add(p); });
        return out;
    }

    /** Every segment a membership was held in since the last {@link #forget} (the shared ids). */
    Set<String> segments() { return ids.keySet(); }

    /** Forgets the segments other than {@code kept} (their members have left them). */
    void forget(Set<String> kept) { ids.keySet().retainAll(kept); }

    int total() { return total; }
}
