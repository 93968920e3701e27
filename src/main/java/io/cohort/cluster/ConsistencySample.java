package io.cohort.cluster;

import io.cohort.identity.ProfileGraph;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The consistency check of cluster mode, the safety net single mode has (engine.consistencyCheck):
 * work for a random sample of people, half stored members and half anyone of the graph, that the
 * workers evaluate afresh, correcting and counting what differs from the stored memberships.
 * The messages carry the newest batch whose work is already on the topic, so a worker whose graph
 * holds nothing newer knows that a difference is the store's own, not news still on its way.
 */
final class ConsistencySample {
    private final Jdbi jdbi;
    private final ProfileGraph graph;
    private final WorkPublisher publisher;
    private final Random random = new Random();

    ConsistencySample(Jdbi jdbi, ProfileGraph graph, WorkPublisher publisher) {
        this.jdbi = jdbi;
        this.graph = graph;
        this.publisher = publisher;
    }

    /** Publishes the work of a sample of {@code size} people (everyone when fewer exist); returns how many. */
    int publish(int size) {
        long batch = WorkRelay.publishedUpTo(jdbi);
        // Members drawn by the database (PostgreSQL's random()), so that a check does not read them all.
        List<String> members = jdbi.withHandle(h -> h.createQuery(
                        "SELECT person_id FROM (SELECT DISTINCT person_id FROM membership WHERE status = 'realized') m "
                                + "ORDER BY random() LIMIT :n")
                .bind("n", (size + 1) / 2).mapTo(String.class).list());
        List<String> everyone = graph.personIdsUnordered();
        Set<String> sample = new LinkedHashSet<>(members);
        if (size - members.size() >= everyone.size()) {
            sample.addAll(everyone);
        } else {
            for (int i = members.size(); i < size; i++) sample.add(everyone.get(random.nextInt(everyone.size())));
        }
        if (!sample.isEmpty()) publisher.publish(new ArrayList<>(sample), batch, Set.of(), WorkCause.CONSISTENCY);
        return sample.size();
    }
}
