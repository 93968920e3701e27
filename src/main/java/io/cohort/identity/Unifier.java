package io.cohort.identity;

import io.cohort.model.*;
import io.cohort.record.SourceRecord.*;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.time.Instant;
import java.util.*;

/**
 * Unified facts from a {@link SourceIndex}: survivorship of each unified person, account and deal,
 * and the reference build of every fact of a set of nodes (the whole graph, for tests).
 */
final class Unifier {
    private final SourceIndex ix;
    Unifier(SourceIndex ix) {
        this.ix = ix;
    }

    /**
     * Builds the unified facts of a component; events before {@code eventsSince} are left out.
     * @param stepTwoLimit what {@link io.cohort.model.Account#peopleInReach()} is measured against
     */
    ComponentFacts facts(Component c, Instant eventsSince, int stepTwoLimit) {
        long since = eventsSince.toEpochMilli() - 1;
        List<Fact> facts = new ArrayList<>();
        Map<SourceRef, String> accountIds = groupIds(c, Node.ACCOUNT, ix.accountEdges, UnifiedIds::account);
        Map<SourceRef, String> oppIds = groupIds(c, Node.OPPORTUNITY, ix.opportunityEdges, UnifiedIds::opportunity);
        Map<String, List<Stamped<PersonRecord>>> people = new TreeMap<>();
        for (Node n : c.nodes()) {
            if (n.kind() != Node.PERSON) continue;
            var p = ix.person(n.ref());
            if (p != null) people.computeIfAbsent(ix.uidOf(n.ref()), k -> new ArrayList<>()).add(p);
        }
        Map<String, Map<String, List<String>>> identities = new TreeMap<>();
        people.forEach((uid, recs) -> {
            // The order person(uid) merges in: records of one batch tie on seq.
            recs.sort(Merge.PERSON_ORDER);
            facts.add(Merge.person(uid, recs));
            facts.add(activity(uid, since));
            identities.put(uid, identities(recs));
        });
        groupRecords(c, Node.ACCOUNT, accountIds, ix.accounts).forEach((aid, recs) -> facts.add(Merge.account(aid, recs,
                !ix.overLimit(Node.account(new SourceRef(recs.get(0).source(), recs.get(0).record().id())), stepTwoLimit))));
        groupRecords(c, Node.OPPORTUNITY, oppIds, ix.opportunities).forEach((oid, recs) -> {
            Stamped<OpportunityRecord> master = Merge.master(recs);
            String acc = master.record().accountId() == null ? null
                    : accountIds.get(new SourceRef(master.source(), master.record().accountId()));
            facts.add(Merge.opportunity(oid, acc, recs,
                    !ix.overLimit(Node.opportunity(new SourceRef(master.source(), master.record().id())), stepTwoLimit)));
        });
        relations(c, accountIds, oppIds, people.keySet(), facts);
        return new ComponentFacts(c, List.copyOf(facts), identities);
    }

    static Map<String, List<String>> identities(List<Stamped<PersonRecord>> recs) {
        Map<String, List<String>> ids = new TreeMap<>();
        recs.forEach(r -> ids.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r.record().id()));
        return ids;
    }

    /** The source refs joined to {@code start} by same-kind edges (MDM links, sameAs), itself included. */
    static List<SourceRef> group(SourceRef start, SourceIndex.Multimap edges) {
        // Most records are linked to nothing: no walk (every neighbourhood build asks for each account and deal).
        if (edges.neighbours(start).isEmpty()) return List.of(start);
        List<SourceRef> group = new ArrayList<>();
        ArrayDeque<SourceRef> queue = new ArrayDeque<>(List.of(start));
        Set<SourceRef> seen = new HashSet<>(queue);
        while (!queue.isEmpty()) {
            SourceRef r = queue.poll();
            group.add(r);
            for (SourceRef m : edges.neighbours(r)) if (seen.add(m)) queue.add(m);
        }
        return group;
    }

    /** The records of a group in source-ref order: the order {@link #facts} merges them in too. */
    static <T> List<Stamped<T>> records(List<SourceRef> group, Map<SourceRef, Stamped<T>> records) {
        if (group.size() == 1) {
            Stamped<T> only = records.get(group.get(0));
            return only == null ? List.of() : List.of(only);
        }
        List<Stamped<T>> out = new ArrayList<>();
        List<SourceRef> sorted = new ArrayList<>(group);
        sorted.sort(SourceRef.TEXT_ORDER); // = Node order, as facts() iterates
        for (SourceRef r : sorted) {
            Stamped<T> s = records.get(r);
            if (s != null) out.add(s);
        }
        return out;
    }

    /** One fact for all events of the unified person, from every source person record with that id. */
    Activity activity(String uid, long after) { return activity(uid, ix.personRefsByUid.get(uid), after); }

    /** As {@link #activity(String, long)}, with the person's source persons already looked up. */
    Activity activity(String uid, Collection<SourceRef> personRefs, long after) {
        List<SourceRef> refs = new ArrayList<>(personRefs);
        if (refs.size() > 1) Collections.sort(refs); // a fixed order: Activity compares its series in order
        List<EventSeries> series = new ArrayList<>(refs.size());
        for (SourceRef r : refs) {
            // Usually this same series: the daily prune keeps old events out; between prunes, a copy.
            EventSeries s = ix.eventsOf(Node.person(r)).after(after);
            if (s.size() > 0) series.add(s);
        }
        return new Activity(uid, series);
    }

    /** The unified person of {@code uid}, or null when no source record has it. */
    UnifiedPerson person(String uid) {
        List<Stamped<PersonRecord>> recs = new ArrayList<>();
        for (SourceRef r : ix.personRefsByUid.get(uid)) {
            var p = ix.person(r);
            if (p != null) recs.add(p);
        }
        if (recs.isEmpty()) return null;
        recs.sort(Merge.PERSON_ORDER);
        return new UnifiedPerson(Merge.person(uid, recs), identities(recs));
    }

    private void relations(Component c, Map<SourceRef, String> accountIds, Map<SourceRef, String> oppIds,
                           Set<String> knownPeople, List<Fact> facts) {
        Map<String, Fact> dedup = new TreeMap<>();
        for (Node n : c.nodes()) {
            for (var s : ix.relationsOf(n)) {
                Fact f = null;
                if (s.record() instanceof AccountPersonRecord ap) {
                    String pid = person(s.source(), ap.personId(), knownPeople);
                    if (pid != null) f = new AccountPerson(accountIds.get(new SourceRef(s.source(), ap.accountId())), pid, ap.role(), ap.attributes());
                } else if (s.record() instanceof OpportunityPersonRecord op) {
                    String pid = person(s.source(), op.personId(), knownPeople);
                    String oid = oppIds.get(new SourceRef(s.source(), op.opportunityId()));
                    if (pid != null && oid != null) f = new OpportunityPerson(oid, pid, op.role(), op.attributes());
                }
                if (f != null) dedup.merge(f.key(), f, Merge::either);
            }
            if (n.kind() != Node.PERSON) continue;
            String pid = person(n.ref().source(), n.ref().id(), knownPeople);
            if (pid == null) continue;
            for (var s : ix.leavesOf(n)) leaf(s, pid, dedup);
        }
        facts.addAll(dedup.values());
    }

    private static void leaf(Stamped<SourceRecord> s, String pid, Map<String, Fact> dedup) {
        Fact f = leaf(s.source(), s.record(), pid);
        if (f != null) dedup.merge(f.key(), f, Merge::either);
    }

    private static Fact leaf(String source, SourceRecord r, String pid) {
        if (r instanceof CampaignMemberRecord cm) {
            return new CampaignMember(source + ":" + cm.campaignId(), pid, cm.status(), cm.attributes());
        } else if (r instanceof MarketingListMemberRecord lm) {
            return new MarketingListMember(source + ":" + lm.listId(), pid, lm.attributes());
        }
        return null;
    }

    /** The unified id of a person named by a source record, or null when no record exists. */
    private String person(String source, String personId, Set<String> knownPeople) {
        String uid = ix.uidOf(new SourceRef(source, personId));
        return knownPeople.contains(uid) ? uid : null;
    }

    /** Campaigns and lists: shared by every component, so held by every session. */
    List<Fact> globalFacts() {
        List<Fact> out = new ArrayList<>();
        ix.campaigns.forEach((ref, s) -> out.add(new Campaign(ref.toString(), s.record().name(),
                s.record().campaignType(), s.record().status(), s.record().attributes())));
        ix.lists.forEach((ref, s) -> out.add(new MarketingList(ref.toString(), s.record().name(), s.record().attributes())));
        return out;
    }

    /** Source record → unified id, grouping nodes of one kind that are joined by same-kind edges. */
    private static Map<SourceRef, String> groupIds(Component c, char kind, SourceIndex.Multimap edges,
                                                   java.util.function.Function<SourceRef, String> idOf) {
        Map<SourceRef, String> out = new HashMap<>();
        for (Node n : c.nodes()) {
            if (n.kind() != kind || out.containsKey(n.ref())) continue;
            List<SourceRef> group = group(n.ref(), edges);
            String id = idOf.apply(Collections.min(group));
            group.forEach(r -> out.put(r, id));
        }
        return out;
    }

    private static <T> Map<String, List<Stamped<T>>> groupRecords(Component c, char kind, Map<SourceRef, String> ids,
                                                                 Map<SourceRef, Stamped<T>> records) {
        Map<String, List<Stamped<T>>> out = new TreeMap<>();
        List<Node> sorted = new ArrayList<>();
        for (Node n : c.nodes()) if (n.kind() == kind) sorted.add(n);
        Collections.sort(sorted); // records of one batch tie on seq: merge in a fixed order (as factOf)
        for (Node n : sorted) {
            Stamped<T> s = records.get(n.ref());
            if (s != null) out.computeIfAbsent(ids.get(n.ref()), k -> new ArrayList<>()).add(s);
        }
        return out;
    }
}
