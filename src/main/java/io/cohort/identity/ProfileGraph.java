package io.cohort.identity;

import io.cohort.ingest.RecordChange;
import io.cohort.ingest.SourceRef;
import io.cohort.model.Fact;
import io.cohort.model.Activity;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The unified profile graph over all current source records. Ingestion applies accepted batches
 * (one writer at a time); evaluation and the read API walk components concurrently.
 */
public final class ProfileGraph {
    private final SourceIndex index = new SourceIndex();
    private final Unifier unifier = new Unifier(index);
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /**
     * What applying a batch touched.
     *
     * @param dirty    nodes whose components must be rebuilt
     * @param activity person nodes whose events changed: only their people's Activity facts change
     * @param changed  nodes whose record changed without changing any edge: only the unified fact
     *                 they are part of changes (a Person, Account or Opportunity)
     */
    public record Applied(Set<Node> dirty, boolean globalsChanged, Set<Node> activity, Set<Node> changed) {
        public Applied(Set<Node> dirty, boolean globalsChanged) { this(dirty, globalsChanged, Set.of(), Set.of()); }
    }

    public Applied apply(String source, List<RecordChange> changes, long batchSeq) {
        Set<Node> dirty = new HashSet<>();
        Set<Node> activity = new HashSet<>();
        Set<Node> changed = new HashSet<>();
        boolean[] globals = {false};
        lock.writeLock().lock();
        try {
            for (RecordChange c : changes) index.apply(source, c, batchSeq, dirty, activity, changed, globals);
        } finally {
            lock.writeLock().unlock();
        }
        changed.removeAll(dirty); // rebuilt anyway
        return new Applied(dirty, globals[0], activity, changed);
    }

    /**
     * The Activity fact of the person a person node belongs to, exactly as {@link #facts} builds it;
     * empty when the node has no person record.
     */
    public Optional<Activity> activity(Node person, Instant eventsSince) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(unifier.activityOf(person, eventsSince));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Forgets events before {@code cutoff} (engine.eventRetention): they stay in the store. Events
     * arriving later that are older than the cutoff are not held either.
     *
     * @return the person nodes whose Activity changed
     */
    public Set<Node> pruneEvents(Instant cutoff) {
        lock.writeLock().lock();
        try {
            index.eventHorizonMillis = Math.max(index.eventHorizonMillis, cutoff.toEpochMilli() - 1);
            return index.pruneEvents(index.eventHorizonMillis);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Events held in memory (for metrics and the benchmark). */
    public int eventCount() {
        lock.readLock().lock();
        try {
            return index.eventOwners.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The unified fact a person, account or opportunity node is part of, exactly as {@link #facts}
     * builds it (a person's with its identities); empty when the node has no record.
     */
    public Optional<Fact> factOf(Node n) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(unifier.factOf(n));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The unified person of a unified id with its source identities, as {@link #facts} builds it. */
    public Optional<UnifiedPerson> person(String unifiedId) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(unifier.person(unifiedId));
        } finally {
            lock.readLock().unlock();
        }
    }

    public Component component(Node start) {
        lock.readLock().lock();
        try {
            return unifier.component(start);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The unified facts of a component; events before {@code eventsSince} (retention) are left out. */
    public ComponentFacts facts(Component c, Instant eventsSince) {
        lock.readLock().lock();
        try {
            return unifier.facts(c, eventsSince);
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<Fact> globalFacts() {
        lock.readLock().lock();
        try {
            return unifier.globalFacts();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A node of the unified person, for the read API; empty when no source record has the id. */
    public Optional<Node> personNode(String unifiedId) {
        lock.readLock().lock();
        try {
            return index.personRefsByUid.getOrDefault(unifiedId, Set.of()).stream().findFirst().map(Node::person);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A node of the unified account, for the read API (known once its component was evaluated). */
    public Optional<Node> accountNode(String unifiedId) {
        SourceRef ref = unifier.accountIndex.get(unifiedId);
        return ref == null ? Optional.empty() : Optional.of(Node.account(ref));
    }

    /** Every node that carries a record or a relation: the seeds of a full evaluation. */
    public Set<Node> allNodes() {
        lock.readLock().lock();
        try {
            Set<Node> all = new HashSet<>();
            index.persons.keySet().forEach(r -> all.add(Node.person(r)));
            index.accounts.keySet().forEach(r -> all.add(Node.account(r)));
            index.opportunities.keySet().forEach(r -> all.add(Node.opportunity(r)));
            all.addAll(index.relationsByNode.keySet());
            return all;
        } finally {
            lock.readLock().unlock();
        }
    }
}
