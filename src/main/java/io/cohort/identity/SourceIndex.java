package io.cohort.identity;

import io.cohort.ingest.RecordChange;
import io.cohort.ingest.RecordType;
import io.cohort.ingest.SourceRecord;
import io.cohort.ingest.SourceRecord.*;
import io.cohort.ingest.SourceRef;
import io.cohort.model.EventSeries;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

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
    /** Person node → its events, in columns (events are most records: see {@link EventSeries}). */
    final Map<Node, PersonEvents> eventsByNode = new HashMap<>();
    /** Event (hash of source and id) → the person node holding it: to find it again on update or delete. */
    final LongMap<PersonEvents> eventOwners = new LongMap<>();
    /** Shares equal attribute maps between events (an email's campaign, say), and lets go of unused ones. */
    private final Map<Map<String, String>, WeakReference<Map<String, String>>> attributePool = new WeakHashMap<>();

    /** Events at or before this (epoch millis) are not held: they are past retention. */
    long eventHorizonMillis = Long.MIN_VALUE;

    /** The events of one person node. The series is replaced (never changed) on every event change. */
    static final class PersonEvents {
        final Node node;
        EventSeries series = EventSeries.EMPTY;

        PersonEvents(Node node) { this.node = node; }
    }
    final Map<SourceRef, Set<SourceRef>> opportunitiesByAccount = new HashMap<>();

    /**
     * Applies one change of {@code source}; adds the touched nodes to {@code dirty}. Events change no
     * component (they hang off one person): the person nodes whose events changed go to
     * {@code activity} instead, so that only those people's Activity facts are evaluated again.
     */
    void apply(String source, RecordChange change, long seq, Set<Node> dirty, Set<Node> activity,
               Set<Node> changed, boolean[] globalsChanged) {
        if (change.type() == RecordType.EVENT) {
            applyEvent(source, change, activity);
            return;
        }
        SourceRef ref = new SourceRef(source, change.key());
        if (change instanceof RecordChange.Upsert u && keepsShape(source, ref, u.record(), seq, changed)) return;
        remove(change.type(), ref, dirty, globalsChanged);
        if (change instanceof RecordChange.Upsert u) add(source, u.record(), ref, seq, dirty, globalsChanged);
    }

    /**
     * An update of a person, account or opportunity that leaves every edge as it was (same email,
     * same sameAs, same account): only that node's unified fact changes, so it goes to
     * {@code changed} instead of rebuilding its component. Most updates are of this kind (a title,
     * an amount, a stage).
     */
    private boolean keepsShape(String source, SourceRef ref, SourceRecord record, long seq, Set<Node> changed) {
        if (record instanceof PersonRecord p) {
            var old = persons.get(ref);
            if (old == null || !uidOf(ref, old.record()).equals(uidOf(ref, p))) return false;
            persons.put(ref, new Stamped<>(source, p, seq));
            changed.add(personNode(ref));
            return true;
        } else if (record instanceof AccountRecord a) {
            var old = accounts.get(ref);
            if (old == null || !java.util.Objects.equals(old.record().sameAs(), a.sameAs())) return false;
            accounts.put(ref, new Stamped<>(source, a, seq));
            changed.add(Node.account(ref));
            return true;
        } else if (record instanceof OpportunityRecord o) {
            var old = opportunities.get(ref);
            if (old == null || !java.util.Objects.equals(old.record().sameAs(), o.sameAs())
                    || !java.util.Objects.equals(old.record().accountId(), o.accountId())) return false;
            opportunities.put(ref, new Stamped<>(source, o, seq));
            changed.add(Node.opportunity(ref));
            return true;
        }
        return false;
    }

    private void applyEvent(String source, RecordChange change, Set<Node> activity) {
        long id = EventSeries.idHash(source, change.key());
        PersonEvents old = eventOwners.get(id);
        if (old != null) {
            old.series = old.series.without(id);
            if (old.series.size() == 0) eventsByNode.remove(old.node);
            eventOwners.remove(id);
            activity.add(old.node);
        }
        if (change instanceof RecordChange.Upsert u && u.record() instanceof EventRecord e
                && e.timestamp().toEpochMilli() > eventHorizonMillis) {
            Node n = personNode(new SourceRef(source, e.personId()));
            PersonEvents pe = eventsByNode.computeIfAbsent(n, PersonEvents::new);
            pe.series = pe.series.with(source, id, e.timestamp().toEpochMilli(), e.eventType(), e.url(),
                    shared(e.attributes()));
            eventOwners.put(id, pe);
            activity.add(pe.node);
        }
    }

    private Map<String, String> shared(Map<String, String> attributes) {
        if (attributes.isEmpty()) return Map.of();
        WeakReference<Map<String, String>> ref = attributePool.get(attributes);
        Map<String, String> known = ref == null ? null : ref.get();
        if (known != null) return known;
        Map<String, String> copy = Map.copyOf(attributes);
        attributePool.put(copy, new WeakReference<>(copy));
        return copy;
    }

    /** Drops events at or before {@code cutoff}; returns the person nodes that lost some. */
    Set<Node> pruneEvents(long cutoffMillis) {
        Set<Node> changed = new HashSet<>();
        for (var it = eventsByNode.values().iterator(); it.hasNext(); ) {
            PersonEvents pe = it.next();
            EventSeries kept = pe.series.after(cutoffMillis);
            if (kept == pe.series) continue;
            for (int i = 0; i < pe.series.size(); i++) {
                long id = pe.series.idAt(i);
                if (kept.indexOf(id) < 0) eventOwners.remove(id);
            }
            pe.series = kept;
            changed.add(pe.node);
            if (kept.size() == 0) it.remove();
        }
        return changed;
    }

    /** The events of a person node (empty when it has none). */
    EventSeries eventsOf(Node person) {
        PersonEvents pe = eventsByNode.get(person);
        return pe == null ? EventSeries.EMPTY : pe.series;
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

    private Map<Node, Set<SourceRef>> indexFor(SourceRecord r, List<Node> nodes) {
        return nodes.size() > 1 ? relationsByNode : leavesByNode;
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
