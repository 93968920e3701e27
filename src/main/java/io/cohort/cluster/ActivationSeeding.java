package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.ActivationBinding;
import io.cohort.audience.MembershipRows;
import io.cohort.audience.OutboxWriter;
import io.cohort.engine.PersonSnapshot;
import io.cohort.identity.ProfileGraph;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * An activation the database has not seen before first receives its segment's current members,
 * as in single mode (AudienceLedger.registerActivations), here from the stored memberships. Runs
 * at a process's start with commits and claims of every partition held off (a table lock), so an
 * exit committed meanwhile cannot be overtaken by the add written here; two processes starting at
 * once register an activation once.
 */
final class ActivationSeeding {
    private ActivationSeeding() {}

    /** @return the activations registered now */
    static List<String> seed(Jdbi jdbi, ObjectMapper mapper, List<ActivationBinding> activations, ProfileGraph graph, long nowMillis) {
        if (activations.isEmpty()) return List.of();
        return jdbi.inTransaction(h -> {
            h.execute("LOCK TABLE cluster_partition IN EXCLUSIVE MODE");
            Set<String> known = new HashSet<>(h.createQuery("SELECT id FROM activation").mapTo(String.class).list());
            List<ActivationBinding> fresh = activations.stream().filter(a -> !known.contains(a.id())).toList();
            OutboxWriter outbox = new OutboxWriter(h, mapper, nowMillis);
            for (ActivationBinding a : fresh) {
                h.execute("INSERT INTO activation (id, segment_id, destination_id, created_at) VALUES (?, ?, ?, ?)",
                        a.id(), a.segmentId(), a.destinationId(), nowMillis);
                List<String> members = MembershipRows.members(h, a.segmentId());
                Iterator<Long> seqs = PartitionLedger.sequence(h, members.size()).iterator();
                for (String pid : members) {
                    long seq = seqs.next();
                    graph.person(pid).map(u -> new PersonSnapshot(pid, u.person().email(), u.person().emailOptOut(), u.identities()))
                            .filter(p -> !p.emailOptOut())
                            .ifPresent(p -> outbox.want(a.id(), pid, true, seq, p));
                }
            }
            outbox.flush();
            return fresh.stream().map(ActivationBinding::id).toList();
        });
    }
}
