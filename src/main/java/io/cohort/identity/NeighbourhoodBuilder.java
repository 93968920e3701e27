package io.cohort.identity;

import io.cohort.identity.SourceIndex.SourcePerson;
import io.cohort.model.*;
import io.cohort.record.SourceRecord.*;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.util.*;

/**
 * Builds the unified facts of some people's neighbourhoods from the source index, without walking
 * their connected component: a person's own facts, at depth 1 their accounts (through relations
 * and contact roles) with all those accounts' deals, at depth 2 also the people of those accounts
 * and deals with their own facts. What one person sees costs what it is, however the graph
 * percolates. One builder per call, under the graph's read lock; facts are shared between the
 * subjects of one call. Segments evaluated alone get only the kinds of fact their rules read.
 */
final class NeighbourhoodBuilder {
    private final SourceIndex ix;
    private final Unifier unifier;
    private final long eventsAfter;
    private final FactTypes types;
    /** The most relations to people an account or deal may have for step 2 to go through it ({@link ProfileGraph#stepTwoLimit()}). */
    private final int stepTwoLimit;
    /** Accounts and deals step 2 did not go through, for having more. */
    private int skipped;
    // Sized for the subjects of one call (a worker's chunk is hundreds of people): growing them
    // by doubling was ~6% of a 1M rule edit's worker samples.
    private final Map<String, Fact> facts;
    private final Map<SourceRef, List<SourceRef>> accountGroups;
    private final Map<SourceRef, List<SourceRef>> oppGroups;
    private final Set<String> peopleDone;
    /** Accounts whose facts are built (ids made once per call, so their hashes are kept: no marker text per visit). */
    private final Set<String> accountsBuilt;
    private final Map<String, List<SourceRef>> accountsDone;
    private final Map<String, List<SourceRef>> oppsSeen;
    /** A group's unified id, by the group list ({@link #group} hands out one list per group). */
    private final Map<List<SourceRef>, String> groupIds;
    /** Whether a group is over the step-2 limit, by the group list ({@link #group} hands out one list per group). */
    private final Map<List<SourceRef>, Boolean> overLimit;
    /** A deal's account, worked out once per call (every deal is reached from each of its people). */
    private final Map<String, OppLink> oppLinks;
    /** People's own part from an earlier build of the same graph (checked by the caller), or null. */
    private final OwnFacts known;
    /** Set by {@link #remembering}: the graph's change count, and each subject's own part kept for a later build. */
    private long writes;
    private Map<String, OwnFacts.Own> remembered;

    /** What a unified deal's master record names as its account; {@code NONE} when it has no record. */
    private record OppLink(String account, List<SourceRef> accountGroup) {
        static final OppLink NONE = new OppLink(null, null);
    }

    /** All kinds of fact, for views of the read API. */
    NeighbourhoodBuilder(SourceIndex ix, Unifier unifier, long eventsAfter, int subjects, int stepTwoLimit) {
        this(ix, unifier, eventsAfter, FactTypes.ALL, subjects, stepTwoLimit, null);
    }

    /**
     * @param types    the kinds of fact built, and so the relations followed ({@link FactTypes})
     * @param subjects how many people the call is for (the maps' sizes follow)
     * @param stepTwoLimit the most relations to people an account or deal may have for step 2 to go through it
     * @param known    people's own part built from this very graph and window of events, taken
     *                 instead of building it again; null to build everything
     */
    NeighbourhoodBuilder(SourceIndex ix, Unifier unifier, long eventsAfter, FactTypes types, int subjects, int stepTwoLimit,
                         OwnFacts known) {
        this.ix = ix;
        this.known = known;
        this.stepTwoLimit = stepTwoLimit;
        this.unifier = unifier;
        this.eventsAfter = eventsAfter;
        this.types = types;
        // Per person, at the shipped rules' depth: ~10 facts, a few accounts and deals each.
        int n = Math.max(1, Math.min(subjects, 100_000));
        facts = new LinkedHashMap<>(capacity(12 * n));
        accountGroups = new HashMap<>(capacity(4 * n));
        oppGroups = new HashMap<>(capacity(4 * n));
        peopleDone = new HashSet<>(capacity(n));
        accountsBuilt = new HashSet<>(capacity(2 * n));
        accountsDone = new LinkedHashMap<>(capacity(2 * n));
        oppsSeen = new LinkedHashMap<>(capacity(4 * n));
        groupIds = new IdentityHashMap<>(6 * n);
        overLimit = new IdentityHashMap<>(4 * n);
        oppLinks = new HashMap<>(capacity(4 * n));
    }

    /** Keeps each subject's own part in the result ({@link Neighbourhood#ownFacts()}), stamped with the graph's change count. */
    NeighbourhoodBuilder remembering(long graphWrites) {
        writes = graphWrites;
        remembered = new HashMap<>();
        return this;
    }

    /** A HashMap's initial capacity that holds {@code n} entries without growing. */
    private static int capacity(int n) { return (int) (n / 0.75f) + 1; }

    Neighbourhood build(Collection<String> subjects, int depth) {
        Set<String> real = new LinkedHashSet<>();
        Map<String, List<Stamped<PersonRecord>>> records = new HashMap<>();
        for (String uid : subjects) {
            OwnFacts.Own k = known == null ? null : known.people().get(uid);
            // Looked up once per person: the index is a map of millions, a cache miss a lookup.
            Set<SourceRef> refs = k != null ? k.refs() : ix.personRefsByUid.get(uid);
            List<SourcePerson> entries = k != null ? k.entries() : entries(refs);
            if (entries.isEmpty()) continue;
            List<Stamped<PersonRecord>> recs = k != null ? k.records() : records(entries);
            real.add(uid);
            records.put(uid, recs);
            person(uid, refs, entries, recs);
            // Relations are facts (and the way to accounts and deals) only for rules that read them:
            // visiting each one to skip it was 7% of a rule edit's sweep over people's own facts.
            if (types.accountPeople || types.opportunityPeople) links(uid, entries);
        }
        if (depth >= 1) {
            for (var e : List.copyOf(accountsDone.entrySet())) account(e.getKey(), e.getValue());
            // Deals reached through a contact role bring their account (and its other deals): only
            // a rule that reads deals can join it (through Opportunity.accountId).
            if (types.opportunities) {
                for (var e : List.copyOf(oppsSeen.entrySet())) opportunity(e.getKey(), e.getValue(), true);
            }
            for (var e : List.copyOf(accountsDone.entrySet())) {
                if (!accountsBuilt.contains(e.getKey())) account(e.getKey(), e.getValue());
            }
        }
        if (depth >= 2) {
            // An account of thousands of people (a catch-all "Unknown" account, a giant customer) is
            // not looked through: each of its people would be evaluated with all the others, every
            // change of one re-evaluating all (quadratic, and the join memory of a chunk of them
            // filled the heap at 4,000 people; docs/operations.md, "engine").
            for (var e : List.copyOf(accountsDone.entrySet())) {
                if (overLimit(e.getValue(), Node::account)) {
                    skipped++;
                    continue;
                }
                for (SourceRef ref : e.getValue()) secondStep(Node.account(ref), 'A');
            }
            for (var e : List.copyOf(oppsSeen.entrySet())) {
                if (overLimit(e.getValue(), Node::opportunity)) {
                    skipped++;
                    continue;
                }
                for (SourceRef ref : e.getValue()) secondStep(Node.opportunity(ref), 'O');
            }
        }
        OwnFacts own = remembered == null ? null : new OwnFacts(writes, eventsAfter, remembered);
        return new Neighbourhood(real, new ArrayList<>(facts.values()), records, own);
    }

    /** How many accounts and deals the last {@link #build} did not look through at step 2. */
    int skipped() { return skipped; }

    /** Only an account and its deals (the account view of the read API). */
    Neighbourhood accountOnly(String aid, List<SourceRef> group) {
        account(aid, group);
        return new Neighbourhood(Set.of(), new ArrayList<>(facts.values()), Map.of());
    }

    /** The source persons with a record among {@code refs}, in their order: one lookup each, for the record and the links. */
    private List<SourcePerson> entries(Set<SourceRef> refs) {
        List<SourcePerson> out = new ArrayList<>(refs.size());
        for (SourceRef r : refs) {
            SourcePerson sp = ix.people.get(r);
            if (sp != null && sp.hasRecord()) out.add(sp);
        }
        return out;
    }

    /** Their records in the order {@link Merge#person} merges them. */
    private static List<Stamped<PersonRecord>> records(List<SourcePerson> entries) {
        List<Stamped<PersonRecord>> recs = new ArrayList<>(entries.size());
        for (SourcePerson sp : entries) recs.add(sp.record());
        if (recs.size() > 1) recs.sort(Merge.PERSON_ORDER);
        return recs;
    }

    /** A person's own facts: the unified Person, their Activity, campaign and list memberships. */
    private void person(String uid, Set<SourceRef> refs, List<SourcePerson> entries, List<Stamped<PersonRecord>> recs) {
        if (!peopleDone.add(uid)) return;
        OwnFacts.Own k = known == null ? null : known.people().get(uid);
        Person p = k != null ? k.fact() : Merge.person(uid, recs);
        put(p);
        Activity a = !types.activity ? null : k != null && k.activity() != null ? k.activity() : unifier.activity(uid, refs, eventsAfter);
        if (a != null) put(a);
        if (remembered != null) remembered.put(uid, new OwnFacts.Own(refs, entries, recs, p, a));
        if (!types.campaignMembers && !types.campaigns && !types.listMembers && !types.lists) return;
        for (SourcePerson sp : entries) {
            for (var s : sp.leaves) {
                if (s.record() instanceof CampaignMemberRecord cm) {
                    SourceRef c = new SourceRef(s.source(), cm.campaignId());
                    if (types.campaignMembers) putEither(new CampaignMember(c.toString(), uid, cm.status(), cm.attributes()));
                    var camp = types.campaigns ? ix.campaigns.get(c) : null;
                    if (camp != null) {
                        put(new Campaign(c.toString(), camp.record().name(), camp.record().campaignType(), camp.record().status(), camp.record().attributes()));
                    }
                } else if (s.record() instanceof MarketingListMemberRecord lm) {
                    SourceRef l = new SourceRef(s.source(), lm.listId());
                    if (types.listMembers) putEither(new MarketingListMember(l.toString(), uid, lm.attributes()));
                    var list = types.lists ? ix.lists.get(l) : null;
                    if (list != null) put(new MarketingList(l.toString(), list.record().name(), list.record().attributes()));
                }
            }
        }
    }

    /** A subject's relations to accounts and contact roles on deals: step 1. */
    private void links(String uid, List<SourcePerson> entries) {
        for (SourcePerson sp : entries) {
            for (var s : sp.relations) relation(s, uid);
        }
    }

    private void relation(Stamped<SourceRecord> s, String uid) {
        if (!walked(s.record())) return;
        if (s.record() instanceof AccountPersonRecord ap) {
            List<SourceRef> group = accountGroup(new SourceRef(s.source(), ap.accountId()));
            String aid = accountId(group);
            putEither(new AccountPerson(aid, uid, ap.role(), ap.attributes()));
            accountsDone.putIfAbsent(aid, group);
        } else if (s.record() instanceof OpportunityPersonRecord op) {
            List<SourceRef> group = oppGroup(new SourceRef(s.source(), op.opportunityId()));
            String oid = opportunityId(group);
            putEither(new OpportunityPerson(oid, uid, op.role(), op.attributes()));
            oppsSeen.putIfAbsent(oid, group);
        }
    }

    /** An account with its unified record and every deal on any of its source accounts. */
    private void account(String aid, List<SourceRef> group) {
        if (!accountsBuilt.add(aid)) return;
        List<Stamped<AccountRecord>> recs = types.accounts ? Unifier.records(group, ix.accounts) : List.of();
        if (!recs.isEmpty()) put(Merge.account(aid, recs, !overLimit(group, Node::account)));
        if (!types.opportunities) return; // its deals: only what Opportunity facts are made of
        for (SourceRef ref : group) {
            for (SourceRef o : ix.opportunitiesByAccount.getOrDefault(ref, Set.of())) {
                List<SourceRef> og = oppGroup(o);
                String oid = opportunityId(og);
                oppsSeen.putIfAbsent(oid, og);
                opportunity(oid, og, false);
            }
        }
    }

    /**
     * A unified deal. Reached through a contact role ({@code bringAccount}) its account is part of
     * the step too, so that sums over an account are complete whichever way it was reached.
     */
    private void opportunity(String oid, List<SourceRef> group, boolean bringAccount) {
        OppLink link = oppLinks.get(oid);
        if (link == null) {
            List<Stamped<OpportunityRecord>> recs = Unifier.records(group, ix.opportunities);
            if (recs.isEmpty()) {
                link = OppLink.NONE;
            } else {
                Stamped<OpportunityRecord> master = Merge.master(recs);
                List<SourceRef> accGroup = master.record().accountId() == null ? null
                        : accountGroup(new SourceRef(master.source(), master.record().accountId()));
                link = new OppLink(accGroup == null ? null : accountId(accGroup), accGroup);
                put(Merge.opportunity(oid, link.account(), recs, !overLimit(group, Node::opportunity)));
            }
            oppLinks.put(oid, link);
        }
        if (bringAccount && link.account() != null) accountsDone.putIfAbsent(link.account(), link.accountGroup());
    }

    /**
     * Whether step 2 does not go through this account's or deal's group: asked once per group and
     * call (the fact's peopleInReach and step 2 ask it of the same group; each asking walked its relations).
     */
    private boolean overLimit(List<SourceRef> group, java.util.function.Function<SourceRef, Node> node) {
        return overLimit.computeIfAbsent(group, g -> ix.overLimit(g, node, stepTwoLimit));
    }

    private String accountId(List<SourceRef> group) {
        return groupIds.computeIfAbsent(group, g -> UnifiedIds.account(Collections.min(g)));
    }

    private String opportunityId(List<SourceRef> group) {
        return groupIds.computeIfAbsent(group, g -> UnifiedIds.opportunity(Collections.min(g)));
    }

    /** Step 2: the other people related to an account or deal of step 1, with their own facts. */
    private void secondStep(Node node, char kind) {
        for (var s : ix.relationsOf(node)) {
            if (!walked(s.record())) continue;
            SourceRef personRef = s.record() instanceof AccountPersonRecord ap ? new SourceRef(s.source(), ap.personId())
                    : s.record() instanceof OpportunityPersonRecord op ? new SourceRef(s.source(), op.personId()) : null;
            if (personRef == null) continue;
            String uid = ix.uidOf(personRef);
            OwnFacts.Own k = known == null ? null : known.people().get(uid);
            Set<SourceRef> refs = k != null ? k.refs() : ix.personRefsByUid.get(uid);
            List<SourcePerson> entries = k != null ? k.entries() : entries(refs);
            if (entries.isEmpty()) continue;
            // Reached again through every account and deal they share: their facts are built once.
            if (!peopleDone.contains(uid)) person(uid, refs, entries, k != null ? k.records() : records(entries));
            relation(s, uid);
        }
    }

    /**
     * Whether a relation is followed: only when its kind of fact is read. A rule reaches an account
     * or a deal, and the people beyond them, only through the ids a relation fact holds (or a deal's
     * account id), so what it names is nothing a rule that reads no such relation can join.
     */
    private boolean walked(SourceRecord r) {
        return r instanceof AccountPersonRecord ? types.accountPeople : r instanceof OpportunityPersonRecord ? types.opportunityPeople : true;
    }

    private List<SourceRef> accountGroup(SourceRef ref) { return group(ref, accountGroups, ix.accountEdges); }

    private List<SourceRef> oppGroup(SourceRef ref) { return group(ref, oppGroups, ix.opportunityEdges); }

    /** The same-kind group of a source record (MDM links, sameAs), remembered for all its members. */
    private static List<SourceRef> group(SourceRef ref, Map<SourceRef, List<SourceRef>> known, SourceIndex.Multimap edges) {
        List<SourceRef> g = known.get(ref);
        if (g != null) return g;
        g = Unifier.group(ref, edges);
        for (SourceRef m : g) known.putIfAbsent(m, g);
        return g;
    }

    private void put(Fact f) {
        facts.putIfAbsent(f.key(), f);
    }

    /** A relation or membership: several sources may state it, one of them wins ({@link Merge#either}). */
    private void putEither(Fact f) {
        facts.merge(f.key(), f, Merge::either);
    }
}
