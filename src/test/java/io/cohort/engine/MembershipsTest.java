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
            Qualified q = new Qualified(new String("s" + r.nextInt(12)), person(r.nextInt(1_500)));
            stored.add(q);
            byPerson.computeIfAbsent(q.personId(), k -> new TreeSet<>()).add(q.segmentId());
        }
        stored.add(stored.get(0)); // a repeat counts once
        Collections.shuffle(stored, r);
        Memberships read = new Memberships(stored);
        Memberships set = new Memberships(List.of());
        byPerson.forEach(set::set);
        assertThat(read.total()).isEqualTo(set.total()).isEqualTo(byPerson.values().stream().mapToInt(Set::size).sum());
        assertThat(new HashSet<>(read.people())).isEqualTo(new HashSet<>(set.people())).isEqualTo(byPerson.keySet());
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
            String person = person(p);
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
        assertThat(new HashSet<>(read.people())).isEqualTo(new HashSet<>(set.people())).isEqualTo(byPerson.keySet());
        byPerson.forEach((p, segs) -> assertThat(read.of(p)).as(p).isEqualTo(segs));
        for (String s : set.segments()) {
            assertThat(new TreeSet<>(read.membersOf(s))).as(s).isEqualTo(new TreeSet<>(set.membersOf(s)));
        }
    }

    /**
     * Half the people have ids of the form the graph derives (kept by their 64 bits), half of
     * another form (kept by the string): both must read back as the same ids.
     */
    static String person(int n) {
        return n % 2 == 0 ? "p" + n : io.cohort.identity.UnifiedIds.personByEmail("u" + n + "@x.com");
    }

    @Test
    void membersMissingFromTheGraphAreFoundByEitherKindOfId() {
        io.cohort.identity.ProfileGraph empty = new io.cohort.identity.ProfileGraph();
        Memberships m = new Memberships(List.of(new Qualified("s1", person(1)), new Qualified("s1", person(2)), new Qualified("s2", person(1))));
        assertThat(m.missingFrom(empty)).containsExactlyInAnyOrder(person(1), person(2));
        assertThat(m.membersOf("s1")).containsExactlyInAnyOrder(person(1), person(2));
        assertThat(m.of(person(1))).containsExactlyInAnyOrder("s1", "s2");
        assertThat(m.peopleCount()).isEqualTo(2);
        assertThat(new HashSet<>(m.randomPeople(200, new Random(1)))).as("draws reach both kinds of id")
                .containsExactlyInAnyOrder(person(1), person(2));
        m.set(person(1), Set.of());
        assertThat(m.people()).containsExactly(person(2));
        assertThat(m.total()).isEqualTo(1);
    }
}
