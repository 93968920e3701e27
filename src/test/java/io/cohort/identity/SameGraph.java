package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.Fact;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Two profile graphs are the same as the rules see them: the same people with the same source
 * identities, the same facts, and each person's neighbourhood the same.
 */
public final class SameGraph {
    private SameGraph() {}

    public static void assertSameGraph(ProfileGraph actual, ProfileGraph expected) {
        assertThat(actual.personIds()).containsExactlyInAnyOrderElementsOf(expected.personIds());
        assertThat(actual.eventCount()).isEqualTo(expected.eventCount());
        assertThat(actual.recordCount()).isEqualTo(expected.recordCount());
        assertThat(sorted(actual.allFacts(Instant.EPOCH))).containsExactlyElementsOf(sorted(expected.allFacts(Instant.EPOCH)));
        for (String id : expected.personIds()) {
            assertThat(actual.person(id).map(Object::toString)).isEqualTo(expected.person(id).map(Object::toString));
            assertThat(sorted(actual.neighbourhood(List.of(id), 2, Instant.EPOCH).facts()))
                    .containsExactlyElementsOf(sorted(expected.neighbourhood(List.of(id), 2, Instant.EPOCH).facts()));
        }
    }

    /** Facts as comparable values: an Activity equals another only by identity of its series, so by its events here. */
    static List<Object> sorted(List<Fact> facts) {
        List<Object> out = new ArrayList<>();
        for (Fact f : facts) out.add(f instanceof io.cohort.model.Activity a ? a.getPersonId() + " " + a.getEvents() : f);
        out.sort(Comparator.comparing(Object::toString));
        return out;
    }
}
