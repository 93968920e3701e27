package io.cohort.destination;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory destination for dispatcher tests: records every batch, and answers from a
 * script of outcomes (then succeeds). It holds the resulting membership, like a vendor list.
 */
final class ScriptedDestination implements Destination {
    interface Outcome { DeliveryResult apply(List<AudienceChange> batch) throws DeliveryException; }

    final List<List<AudienceChange>> batches = new CopyOnWriteArrayList<>();
    final java.util.Set<String> members = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Queue<Outcome> script = new ArrayDeque<>();
    private final int maxBatch;

    ScriptedDestination(int maxBatch) { this.maxBatch = maxBatch; }

    synchronized ScriptedDestination then(Outcome o) {
        script.add(o);
        return this;
    }

    @Override public int maxBatchSize() { return maxBatch; }

    @Override public List<String> validateActivation(Map<String, String> params) {
        return params.containsKey("bad") ? List.of("param 'bad' is not allowed") : List.of();
    }

    @Override public ConnectionCheck check() { return ConnectionCheck.healthy("in memory"); }

    @Override
    public DeliveryResult deliver(Activation activation, List<AudienceChange> changes) throws DeliveryException {
        batches.add(List.copyOf(changes));
        Outcome next;
        synchronized (this) {
            next = script.poll();
        }
        DeliveryResult r = next == null ? DeliveryResult.ok() : next.apply(changes);
        for (AudienceChange c : changes) {
            if (c.action() == AudienceChange.Action.ADD) members.add(c.personId());
            else members.remove(c.personId());
        }
        return r;
    }

    List<Long> seqs(int batch) { return batches.get(batch).stream().map(AudienceChange::seq).toList(); }
}
