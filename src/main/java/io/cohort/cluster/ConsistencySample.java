package io.cohort.cluster;

import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.identity.Touched;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * The consistency check of cluster mode, the safety net single mode has (engine.consistencyCheck):
 * work for a random sample of people, half stored members and half anyone of the graph, that the
 * workers evaluate afresh, correcting and counting what differs from the stored memberships.
 * The messages carry the newest batch whose work is already on the topic, so a worker whose graph
 * holds nothing newer knows that a difference is the store's own, not news still on its way.
 * Time is news too: people whose window closes before the sample can be evaluated (within
 * {@link #LAG}) are left out, as single mode leaves out people who are due, and a worker that
 * reads a sample later than {@link #LAG} after it was published does not count what it finds.
 */
final class ConsistencySample {
    private final Jdbi jdbi;
    private final ProfileGraph graph;
    private final WorkPublisher publisher;
    /** How long after its publication a sample's differences are still the store's own. */
    static final Duration LAG = Duration.ofSeconds(30);

    private final Random random = new Random();
    private final Clock clock;
    private final Supplier<RuleBook> rules;

    ConsistencySample(Jdbi jdbi, ProfileGraph graph, WorkPublisher publisher, Clock clock, Supplier<RuleBook> rules) {
        this.jdbi = jdbi;
        this.graph = graph;
        this.publisher = publisher;
        this.clock = clock;
        this.rules = rules;
    }

    /**
     * Whether a window edge of the person, or of anyone within the rules' reach of them, lies
     * after the time the clock last handled and before the sample can have been evaluated: the
     * clock's work, which the stored memberships do not show yet (any process can tell, from its
     * graph and the cluster's clock row).
     */
    Predicate<String> dueSoon() {
        RuleBook book = rules.get();
        long[] windows = book.shape().windows();
        if (windows.length == 0) return p -> false;
        long now = clock.millis();
        long handled = jdbi.withHandle(h -> h.createQuery("SELECT ticked_up_to FROM cluster_clock WHERE id = 1")
                .mapTo(Long.class).findOne()).orElse(now);
        long from = Math.min(handled, now);
        long soon = now + LAG.toMillis();
        int depth = book.shape().depth();
        Predicate<String> ownEdge = q -> graph.nextWindowEdge(q, from, windows) <= soon;
        if (depth < 2) return ownEdge;
        return p -> ownEdge.test(p) || graph.affected(Touched.ofPeople(Set.of(p)), depth).stream().anyMatch(ownEdge);
    }

    /**
     * Publishes the work of a sample of {@code size} people (everyone when fewer exist), leaving
     * out those a closing window may change before they are evaluated; returns how many were published.
     */
    int publish(int size) {
        long batch = WorkRelay.publishedUpTo(jdbi);
        // Members drawn by the database (PostgreSQL's random()), so that a check does not read them all.
        List<String> members = jdbi.withHandle(h -> h.createQuery(
                        "SELECT person_id FROM (SELECT DISTINCT person_id FROM membership WHERE status = 'realized') m "
                                + "ORDER BY random() LIMIT :n")
                .bind("n", (size + 1) / 2).mapTo(String.class).list());
        Set<String> sample = new LinkedHashSet<>(members);
        if (size - members.size() >= graph.personCount()) {
            sample.addAll(graph.personIdsUnordered());
        } else {
            sample.addAll(graph.randomPeople(size - members.size(), random));
        }
        sample.removeIf(dueSoon());
        if (!sample.isEmpty()) publisher.publish(new ArrayList<>(sample), batch, Set.of(), WorkCause.CONSISTENCY);
        return sample.size();
    }
}
