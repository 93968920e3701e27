package io.cohort.identity;

import io.cohort.record.SourceRef;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unified account id → one of its source accounts, for the read API: a unified id is a digest of
 * the group's smallest member, so it cannot be turned back into the records. Kept current by every
 * change of accounts and their links; a graph read from a snapshot starts empty and indexes every
 * account on the first lookup it cannot answer (before, only accounts that some evaluation had built
 * since the start were found: after a restart, GET /v1/accounts/{id} answered 404 for the others).
 * Entries of ids that a merge or split retired stay behind; lookups check them against the graph.
 */
final class AccountIds {
    private final Map<String, SourceRef> byId = new ConcurrentHashMap<>();
    private volatile boolean complete;

    /** After a change (under the graph's write lock): the groups of these accounts, by their ids now. */
    void touched(SourceIndex ix, Collection<SourceRef> accounts) {
        Set<SourceRef> done = new HashSet<>();
        for (SourceRef a : accounts) {
            if (done.contains(a) || !ix.accounts.containsKey(a)) continue;
            List<SourceRef> group = Unifier.group(a, ix.accountEdges);
            done.addAll(group);
            byId.put(UnifiedIds.account(Collections.min(group)), a);
        }
    }

    /** A source account of the unified account {@code id}, or null (under the graph's read lock). */
    SourceRef find(SourceIndex ix, String id) {
        SourceRef ref = byId.get(id);
        if (ref != null || complete) return ref;
        indexAll(ix);
        return byId.get(id);
    }

    private synchronized void indexAll(SourceIndex ix) {
        if (complete) return;
        touched(ix, ix.accounts.keySet());
        complete = true;
    }
}
