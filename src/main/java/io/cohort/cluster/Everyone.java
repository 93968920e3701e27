package io.cohort.cluster;

import io.cohort.identity.ProfileGraph;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;

/** Who work "for everyone" must reach (a rule edit, a re-evaluation, the clock's sweep). */
final class Everyone {
    private Everyone() {}

    /** The graph's people and anyone still a stored member (a person gone from the graph must exit), sorted. */
    static Set<String> of(Jdbi jdbi, ProfileGraph graph) {
        Set<String> everyone = new TreeSet<>(graph.personIds());
        everyone.addAll(jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT person_id FROM membership WHERE status = 'realized'")
                .mapTo(String.class).list()));
        return everyone;
    }
}
