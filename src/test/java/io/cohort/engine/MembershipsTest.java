package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.Qualified;
import java.util.*;
import org.junit.jupiter.api.Test;

/** Stored memberships read at start (any order, repeats) hold what setting each person's segments would. */
class MembershipsTest {
    @Test
    void readInAnyOrderAsIfSetPersonByPerson() {
        Random r = new Random(3);
        List<Qualified> stored = new ArrayList<>();
        Map<String, Set<String>> byPerson = new TreeMap<>();
        for (int i = 0; i < 5_000; i++) {
            // new String: segment ids read from the database are not the same instances
            Qualified q = new Qualified(new String("s" + r.nextInt(12)), "p" + r.nextInt(1_500));
            stored.add(q);
            byPerson.computeIfAbsent(q.personId(), k -> new TreeSet<>()).add(q.segmentId());
        }
        stored.add(stored.get(0)); // a repeat counts once
        Collections.shuffle(stored, r);
        Memberships read = new Memberships(stored);
        Memberships set = new Memberships(List.of());
        byPerson.forEach(set::set);
        assertThat(read.total()).isEqualTo(set.total()).isEqualTo(byPerson.values().stream().mapToInt(Set::size).sum());
        assertThat(read.people()).isEqualTo(set.people());
        assertThat(read.segments()).isEqualTo(set.segments());
        byPerson.forEach((p, segs) -> {
            assertThat(read.of(p)).isEqualTo(segs);
            for (String s : segs) assertThat(read.contains(p, s)).isTrue();
        });
        for (String s : set.segments()) {
            assertThat(new TreeSet<>(read.membersOf(s))).isEqualTo(new TreeSet<>(set.membersOf(s)));
        }
        // Removing a person's segments afterwards keeps the counts right.
        String someone = byPerson.keySet().iterator().next();
        read.set(someone, Set.of());
        assertThat(read.total()).isEqualTo(set.total() - byPerson.get(someone).size());
    }

    @Test
    void readGroupedByPersonAsIfSetPersonByPerson() {
        // As the ledger hands them: each person's rows together, but some people in two runs far
        // apart, and a repeat inside a run.
        Random r = new Random(5);
        Map<String, Set<String>> byPerson = new TreeMap<>();
        List<Qualified> first = new ArrayList<>();
        List<Qualified> later = new ArrayList<>();
        for (int p = 0; p < 2_000; p++) {
            String person = "p" + p;
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                Qualified q = new Qualified(new String("s" + r.nextInt(20)), person);
                (p % 10 == 3 && i % 2 == 1 ? later : first).add(q);
                byPerson.computeIfAbsent(person, k -> new TreeSet<>()).add(q.segmentId());
            }
            if (p % 50 == 0) first.add(first.get(first.size() - 1));
        }
        List<Qualified> stored = new ArrayList<>(first);
        stored.addAll(later);
        Memberships read = new Memberships(stored);
        Memberships set = new Memberships(List.of());
        byPerson.forEach(set::set);
        assertThat(read.total()).isEqualTo(set.total()).isEqualTo(byPerson.values().stream().mapToInt(Set::size).sum());
        assertThat(read.people()).isEqualTo(set.people());
        byPerson.forEach((p, segs) -> assertThat(read.of(p)).as(p).isEqualTo(segs));
        for (String s : set.segments()) {
            assertThat(new TreeSet<>(read.membersOf(s))).as(s).isEqualTo(new TreeSet<>(set.membersOf(s)));
        }
    }
}
