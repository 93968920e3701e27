package io.cohort.identity;

import io.cohort.ingest.RecordChange;
import io.cohort.ingest.RecordType;
import io.cohort.ingest.SourceRecord;
import io.cohort.ingest.SourceRecord.*;
import io.cohort.ingest.SourceRef;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The current source records, with the adjacency indexes that unification walks. Applying a
 * change reports the graph nodes it touched, before and after, so that exactly the affected
 * components are re-evaluated. Not thread-safe: {@link ProfileGraph} guards it.
 */
final class SourceIndex {
    final Map<SourceRef, Stamped<PersonRecord>> persons = new HashMap<>();
    final Map<String, Set<SourceRef>> personRefsByUid = new HashMap<>();
    final Map<SourceRef, Stamped<AccountRecord>> accounts = new HashMap<>();
    final Map<SourceRef, Stamped<OpportunityRecord>> opportunities = new HashMap<>();
    final Map<SourceRef, Stamped<AccountLinkRecord>> links = new HashMap<>();
    final Map<SourceRef, Stamped<CampaignRecord>> campaigns = new HashMap<>();
    final Map<SourceRef, Stamped<MarketingListRecord>> lists = new HashMap<>();

    /** Relation-like records, keyed by (source, record key). */
    final Map<SourceRef, Stamped<SourceRecord>> relations = new HashMap<>();
    /** Undirected edges between source accounts (MDM links, sameAs), with multiplicity. */
    final Multimap accountEdges = new Multimap();
    final Multimap opportunityEdges = new Multimap();
    /** Node → keys of the relations joining it to another node (account/opportunity ↔ person). */
    final Map<Node, Set<SourceRef>> relationsByNode = new HashMap<>();
    /** Person node → keys of what hangs off it alone (campaign and list members). */
    final Map<Node, Set<SourceRef>> leavesByNode = new HashMap<>();
    /** Person node → keys of its events: apart, so that a rebuild that keeps event facts skips them. */
    final Map<Node, Set<SourceRef>> eventsByNode = new HashMap<>();
    final Map<SourceRef, Set<SourceRef>> opportunitiesByAccount = new HashMap<>();

    /**
     * Applies one change of {@code source}; adds the touched nodes to {@code dirty}. An event that
     * stays with the same person changes no component: it goes to {@code events} (event → its person
     * node) instead, so that it can be evaluated on its own. An event that moves from one person to
     * another dirties both, and they go to {@code movedEvents} too: their components must rebuild
     * their events.
     */
    void apply(String source, RecordChange change, long seq, Set<Node> dirty, Map<SourceRef, Node> events,
               Set<Node> movedEvents, boolean[] globalsChanged) {
        SourceRef ref = new SourceRef(source, change.key());
        Set<Node> touched = change.type() == RecordType.EVENT ? new HashSet<>(2) : dirty;
        remove(change.type(), ref, touched, globalsChanged);
        if (change instanceof RecordChange.Upsert u) add(source, u.record(), ref, seq, touched, globalsChanged);
        if (touched != dirty) {
            if (touched.size() == 1) events.put(ref, touched.iterator().next());
            else {
                dirty.addAll(touched);
                movedEvents.addAll(touched);
            }
        }
    }

    private void remove(RecordType type, SourceRef ref, Set<Node> dirty, boolean[] globals) {
        switch (type) {
            case PERSON -> {
                var old = persons.remove(ref);
                if (old != null) {
                    String uid = uidOf(ref, old.record());
                    // The person's former siblings (same email) change too.
                    personRefsByUid.getOrDefault(uid, Set.of()).forEach(r -> dirty.add(personNode(r)));
                    removeFrom(personRefsByUid, uid, ref);
                    dirty.add(personNode(ref));
                }
            }
            case ACCOUNT -> {
                var old = accounts.remove(ref);
                if (old != null) {
                    dirty.add(Node.account(ref));
                    if (old.record().sameAs() != null) {
                        accountEdges.remove(ref, old.record().sameAs());
                        dirty.add(Node.account(old.record().sameAs()));
                    }
                }
            }
            case OPPORTUNITY -> {
                var old = opportunities.remove(ref);
                if (old != null) {
                    dirty.add(Node.opportunity(ref));
                    OpportunityRecord o = old.record();
                    if (o.sameAs() != null) {
                        opportunityEdges.remove(ref, o.sameAs());
                        dirty.add(Node.opportunity(o.sameAs()));
                    }
                    if (o.accountId() != null) {
                        SourceRef acc = new SourceRef(ref.source(), o.accountId());
                        removeFrom(opportunitiesByAccount, acc, ref);
                        dirty.add(Node.account(acc));
                    }
                }
            }
            case ACCOUNT_LINK -> {
                var old = links.remove(ref);
                if (old != null) {
                    List<SourceRef> members = old.record().accounts();
                    for (int i = 1; i < members.size(); i++) accountEdges.remove(members.get(0), members.get(i));
                    members.forEach(m -> dirty.add(Node.account(m)));
                }
            }
            case CAMPAIGN -> globals[0] |= campaigns.remove(ref) != null;
            case MARKETING_LIST -> globals[0] |= lists.remove(ref) != null;
            default -> {
                var old = relations.remove(ref);
                if (old != null) {
                    List<Node> nodes = relationNodes(old.source(), old.record());
                    for (Node n : nodes) {
                        removeFrom(indexFor(old.record(), nodes), n, ref);
                        dirty.add(n);
                    }
                }
            }
        }
    }

    private void add(String source, SourceRecord record, SourceRef ref, long seq, Set<Node> dirty, boolean[] globals) {
        if (record instanceof PersonRecord p) {
            persons.put(ref, new Stamped<>(source, p, seq));
            String uid = uidOf(ref, p);
            Set<SourceRef> siblings = personRefsByUid.computeIfAbsent(uid, k -> new HashSet<>());
            siblings.add(ref);
            siblings.forEach(r -> dirty.add(personNode(r)));
        } else if (record instanceof AccountRecord a) {
            accounts.put(ref, new Stamped<>(source, a, seq));
            dirty.add(Node.account(ref));
            if (a.sameAs() != null) {
                accountEdges.add(ref, a.sameAs());
                dirty.add(Node.account(a.sameAs()));
            }
        } else if (record instanceof OpportunityRecord o) {
            opportunities.put(ref, new Stamped<>(source, o, seq));
            dirty.add(Node.opportunity(ref));
            if (o.sameAs() != null) {
                opportunityEdges.add(ref, o.sameAs());
                dirty.add(Node.opportunity(o.sameAs()));
            }
            if (o.accountId() != null) {
                SourceRef acc = new SourceRef(source, o.accountId());
                opportunitiesByAccount.computeIfAbsent(acc, k -> new HashSet<>()).add(ref);
                dirty.add(Node.account(acc));
            }
        } else if (record instanceof AccountLinkRecord l) {
            links.put(ref, new Stamped<>(source, l, seq));
            List<SourceRef> members = l.accounts();
            for (int i = 1; i < members.size(); i++) accountEdges.add(members.get(0), members.get(i));
            members.forEach(m -> dirty.add(Node.account(m)));
        } else if (record instanceof CampaignRecord c) {
            campaigns.put(ref, new Stamped<>(source, c, seq));
            globals[0] = true;
        } else if (record instanceof MarketingListRecord m) {
            lists.put(ref, new Stamped<>(source, m, seq));
            globals[0] = true;
        } else {
            relations.put(ref, new Stamped<>(source, record, seq));
            List<Node> nodes = relationNodes(source, record);
            for (Node n : nodes) {
                indexFor(record, nodes).computeIfAbsent(n, k -> new HashSet<>()).add(ref);
                dirty.add(n);
            }
        }
    }

    /** The nodes a relation-like record connects (a person is named by its current unified id). */
    List<Node> relationNodes(String source, SourceRecord r) {
        if (r instanceof AccountPersonRecord ap) {
            return List.of(Node.account(new SourceRef(source, ap.accountId())), personNode(new SourceRef(source, ap.personId())));
        } else if (r instanceof OpportunityPersonRecord op) {
            return List.of(Node.opportunity(new SourceRef(source, op.opportunityId())),
                    personNode(new SourceRef(source, op.personId())));
        } else if (r instanceof EventRecord e) {
            return List.of(personNode(new SourceRef(source, e.personId())));
        } else if (r instanceof CampaignMemberRecord cm) {
            return List.of(personNode(new SourceRef(source, cm.personId())));
        } else if (r instanceof MarketingListMemberRecord lm) {
            return List.of(personNode(new SourceRef(source, lm.personId())));
        }
        return List.of();
    }

    /**
     * Relations are indexed under the person's source ref node, not its unified id, so that an
     * email change (which changes the unified id) does not orphan them.
     */
    static Node personNode(SourceRef personRef) { return Node.person(personRef); }

    String uidOf(SourceRef personRef) {
        var p = persons.get(personRef);
        return uidOf(personRef, p == null ? null : p.record());
    }

    private static String uidOf(SourceRef ref, PersonRecord p) {
        String email = p == null ? null : UnifiedIds.normalizeEmail(p.email());
        return email == null ? UnifiedIds.personByRef(ref) : UnifiedIds.personByEmail(email);
    }

    Set<SourceRef> relationsOf(Node n) { return relationsByNode.getOrDefault(n, Set.of()); }

    Set<SourceRef> leavesOf(Node n) { return leavesByNode.getOrDefault(n, Set.of()); }

    Set<SourceRef> eventsOf(Node n) { return eventsByNode.getOrDefault(n, Set.of()); }

    private Map<Node, Set<SourceRef>> indexFor(SourceRecord r, List<Node> nodes) {
        return nodes.size() > 1 ? relationsByNode : r instanceof EventRecord ? eventsByNode : leavesByNode;
    }

    private static <K, V> void removeFrom(Map<K, Set<V>> map, K key, V value) {
        Set<V> s = map.get(key);
        if (s != null && s.remove(value) && s.isEmpty()) map.remove(key);
    }

    /** Undirected edges with multiplicity: two links may state the same pair. */
    static final class Multimap {
        private final Map<SourceRef, Map<SourceRef, Integer>> edges = new HashMap<>();

        void add(SourceRef a, SourceRef b) {
            if (a.equals(b)) return;
            edges.computeIfAbsent(a, k -> new HashMap<>()).merge(b, 1, Integer::sum);
            edges.computeIfAbsent(b, k -> new HashMap<>()).merge(a, 1, Integer::sum);
        }

        void remove(SourceRef a, SourceRef b) {
            if (a.equals(b)) return;
            dec(a, b);
            dec(b, a);
        }

        private void dec(SourceRef a, SourceRef b) {
            Map<SourceRef, Integer> m = edges.get(a);
            if (m == null) return;
            m.computeIfPresent(b, (k, v) -> v > 1 ? v - 1 : null);
            if (m.isEmpty()) edges.remove(a);
        }

        Set<SourceRef> neighbours(SourceRef a) { return edges.getOrDefault(a, Map.of()).keySet(); }
    }
}
