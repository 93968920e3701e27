package io.cohort.identity;

import io.cohort.model.EventSeries;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.*;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.lang.ref.WeakReference;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.eclipse.collections.impl.map.mutable.UnifiedMap;
import org.eclipse.collections.impl.map.mutable.primitive.ObjectIntHashMap;

/**
 * The current source records, with the adjacency indexes that unification walks. Applying a
 * change reports the graph nodes it touched, before and after, so that exactly the affected
 * components are re-evaluated. Not thread-safe: {@link ProfileGraph} guards it.
 */
final class SourceIndex {
    /**
     * Source person → its record and what hangs off it (relations, memberships, events), found
     * with one lookup: a map for the records and another for the relations were two cache-missing
     * lookups per source person in every neighbourhood (and two entries of maps of millions to fill
     * on a restart). Events had a map of their own until a 1M read showed its price: an entry
     * object, a second SourceRef and a second id string (with its bytes) for each of 1M people,
     * 4M of the loaded graph's 42.6M objects.
     */
    final Map<SourceRef, SourcePerson> people;
    /** How many of {@link #people} have a record. */
    private int personRecords;
    /**
     * Unified person id → its source persons. Every key has at least one ref and every ref a
     * record in {@link #people} (both change together, in add and remove), so walks over
     * everyone read this map alone: a lookup of each person's record was three quarters of
     * a 1M restart's due-time walk. {@link #checkPersonIndex} states it for the tests.
     */
    final PersonIndex personRefsByUid;
    final Map<SourceRef, Stamped<AccountRecord>> accounts;
    final Map<SourceRef, Stamped<OpportunityRecord>> opportunities;
    final Map<SourceRef, Stamped<AccountLinkRecord>> links = UnifiedMap.newMap();
    final Map<SourceRef, Stamped<CampaignRecord>> campaigns = UnifiedMap.newMap();
    final Map<SourceRef, Stamped<MarketingListRecord>> lists = UnifiedMap.newMap();

    /** Relation-like records, found by (source, type, key fields). */
    final Relations relations;
    /** Undirected edges between source accounts (MDM links, sameAs), with multiplicity. */
    final Multimap accountEdges = new Multimap();
    final Multimap opportunityEdges = new Multimap();
    /**
     * Source account → the relations joining it to a person: the very records
     * {@link #relations} holds, not their keys (every walk wants the record, and a lookup in a map
     * of millions per relation was a fifth of a 1M rule edit's neighbourhood work).
     */
    final Map<SourceRef, Set<Stamped<SourceRecord>>> relationsByAccount;
    /**
     * As {@link #relationsByAccount}, for deals. Two maps keyed by the ref rather than one keyed by
     * {@link Node}: the key node was an object more per account and deal (0.55M at 1M profiles).
     */
    final Map<SourceRef, Set<Stamped<SourceRecord>>> relationsByDeal;
    /**
     * Event (hash of source and id) → the slot in {@link #owners} of the person holding it: to
     * find it again on update or delete.
     */
    final LongIntMap eventOwners = new LongIntMap();
    /** The people of {@link #people} holding events, by their slot; freed slots are reused. */
    private SourcePerson[] owners;
    private int ownerSlots;
    private int[] freeSlots = new int[16];
    private int freeCount;
    /** Shares equal attribute maps between events (an email's campaign, say), and lets go of unused ones. */
    private final Map<Map<String, String>, WeakReference<Map<String, String>>> attributePool = new WeakHashMap<>();

    SourceIndex() { this(Sizes.NONE, newEventKey()); }

    /** A new secret key for event ids ({@link EventSeries#idHash}): a graph's own, kept only by its snapshot. */
    static long[] newEventKey() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        return new long[] {random.nextLong(), random.nextLong()};
    }

    /**
     * The key of this index's event ids. The events' keys are hashes under it, in memory and in
     * the graph's snapshot, which stores it with them; a graph loaded from the store gets a new one.
     */
    final long[] eventKey;

    /** An empty index whose maps hold {@code expected} without growing (a snapshot read knows the sizes). */
    SourceIndex(Sizes expected, long[] eventKey) {
        if (eventKey.length != 2) throw new IllegalArgumentException("an event key is two longs");
        this.eventKey = eventKey.clone();
        // Sizes written before the two maps were one hold both counts: the larger is the nearer.
        people = map(Math.max(expected.persons(), expected.personNodes()));
        personRefsByUid = new PersonIndex(expected.uids());
        accounts = map(expected.accounts());
        opportunities = map(expected.opportunities());
        relations = new Relations(expected.relations());
        // The sizes hold both maps' count: neither holds more than it, nor (mostly) more nodes than records.
        relationsByAccount = map(Math.min(expected.relationNodes(), Math.max(expected.accounts(), expected.relationNodes() / 2)));
        relationsByDeal = map(Math.min(expected.relationNodes(), Math.max(expected.opportunities(), expected.relationNodes() / 2)));
        owners = new SourcePerson[Math.max(16, expected.eventNodes())];
        opportunitiesByAccount = map(expected.accountsWithDeals());
        accountsByDomain = map(expected.domains());
    }

    /**
     * How many entries the largest maps hold. Written into a snapshot so that a read allocates
     * each map once: growing them by doubling was a fifth of a 1M read, and garbage besides.
     * Hints only: {@code persons} counts person records and {@code personNodes} all of
     * {@link #people} (files of earlier versions counted the people with links there, so the map
     * may grow once as it is read).
     */
    record Sizes(int persons, int uids, int accounts, int opportunities, int relations, int relationNodes, int personNodes,
                 int eventNodes, int accountsWithDeals, int domains) {
        static final Sizes NONE = new Sizes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        int[] values() {
            return new int[] {persons, uids, accounts, opportunities, relations, relationNodes, personNodes, eventNodes,
                    accountsWithDeals, domains};
        }

        static Sizes of(int[] v) { return new Sizes(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]); }

        static final int COUNT = 10;
    }

    Sizes sizes() {
        return new Sizes(personRecords, personRefsByUid.size(), accounts.size(), opportunities.size(), relations.size(),
                relationsByAccount.size() + relationsByDeal.size(), people.size(), eventHolders(), opportunitiesByAccount.size(),
                accountsByDomain.size());
    }

    /**
     * Open-addressed, keys and values side by side in one array, no entry objects: a HashMap's
     * node per entry was 10M of a 1M graph's objects, and a lookup one dereference longer.
     * UnifiedMap spreads hashes lightly, so neighbouring source ids stay in neighbouring slots
     * (what {@link SourceRef#hashCode()} is shaped for).
     */
    private static <K, V> Map<K, V> map(int expected) {
        return UnifiedMap.newMap(Math.max(16, expected));
    }

    /** Events at or before this (epoch millis) are not held: they are past retention. */
    long eventHorizonMillis = Long.MIN_VALUE;

    /** How many people hold events. */
    int eventHolders() { return ownerSlots - freeCount; }

    /** The people holding events, in slot order (a snapshot writes them). */
    List<SourcePerson> eventHolderList() {
        List<SourcePerson> out = new java.util.ArrayList<>(eventHolders());
        for (int i = 0; i < ownerSlots; i++) if (owners[i] != null) out.add(owners[i]);
        return out;
    }

    /** The entry of {@code person} with a slot for its events, made when it has none yet. */
    private SourcePerson eventsFor(SourceRef person) {
        SourcePerson sp = entryFor(person);
        if (sp.slot >= 0) return sp;
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            if (ownerSlots == owners.length) owners = java.util.Arrays.copyOf(owners, owners.length * 2);
            slot = ownerSlots++;
        }
        sp.slot = slot;
        owners[slot] = sp;
        return sp;
    }

    /** Frees the slot of a person left without events, and its entry once nothing else hangs off it. */
    private void release(SourcePerson sp) {
        owners[sp.slot] = null;
        if (freeCount == freeSlots.length) freeSlots = java.util.Arrays.copyOf(freeSlots, freeCount * 2);
        freeSlots[freeCount++] = sp.slot;
        sp.slot = -1;
        sp.series = EventSeries.EMPTY;
        if (sp.isEmpty()) people.remove(sp.ref);
    }

    /**
     * One source person: its record, and what hangs off it (relations and events may name a person
     * before, or without, its record). Kept while it has a record, either set holds something or it
     * has events.
     */
    static final class SourcePerson {
        private static final Set<Stamped<SourceRecord>> NONE = Set.of();
        final SourceRef ref;
        // The record and its batch, held here rather than in a Stamped: one object less for each of
        // the millions of people (the source is the ref's).
        /** Null when relations name the person but no record states it. */
        private PersonRecord person;
        private long seq;
        /** The relations joining the person to an account or a deal. */
        Set<Stamped<SourceRecord>> relations = NONE;
        /** What hangs off the person alone (campaign and list members). */
        Set<Stamped<SourceRecord>> leaves = NONE;
        /** Its events, in columns (see {@link EventSeries}); replaced, never changed, on every event change. */
        EventSeries series = EventSeries.EMPTY;
        /** Its slot in {@link #owners} while it has events, else -1. */
        int slot = -1;

        SourcePerson(SourceRef ref) { this.ref = ref; }

        boolean hasRecord() { return person != null; }

        /** The record with its source and batch; null when none states the person. */
        Stamped<PersonRecord> record() { return person == null ? null : new Stamped<>(ref.source(), person, seq); }

        void setRecord(Stamped<PersonRecord> s) {
            person = s == null ? null : s.record();
            seq = s == null ? 0 : s.seq();
        }

        boolean isEmpty() { return person == null && relations.isEmpty() && leaves.isEmpty() && slot < 0; }
    }

    private SourcePerson entryFor(SourceRef person) {
        SourcePerson sp = people.get(person);
        if (sp == null) {
            sp = new SourcePerson(person);
            people.put(person, sp);
        }
        return sp;
    }

    /** The record of a source person; null when none states it. */
    Stamped<PersonRecord> person(SourceRef ref) {
        SourcePerson sp = people.get(ref);
        return sp == null ? null : sp.record();
    }

    /** Every record held but events, in no order. */
    List<Stamped<? extends SourceRecord>> records() {
        List<Stamped<? extends SourceRecord>> all = new java.util.ArrayList<>(personRecords + accounts.size()
                + opportunities.size() + relations.size() + links.size() + campaigns.size() + lists.size());
        for (SourcePerson sp : people.values()) if (sp.hasRecord()) all.add(sp.record());
        all.addAll(accounts.values());
        all.addAll(opportunities.values());
        all.addAll(links.values());
        all.addAll(campaigns.values());
        all.addAll(lists.values());
        for (var s : relations) all.add(s);
        return all;
    }

    /** How many records are held but events ({@link #records()}'s size, without building it). */
    long recordCount() {
        return (long) personRecords + accounts.size() + opportunities.size() + relations.size() + links.size()
                + campaigns.size() + lists.size();
    }

    /** How many source person records the graph holds. */
    int personRecordCount() { return personRecords; }

    /** Puts a person's record in place (or takes it away: null), dropping the entry once nothing is left of it. */
    private Stamped<PersonRecord> setPerson(SourceRef ref, Stamped<PersonRecord> record) {
        SourcePerson sp = record == null ? people.get(ref) : entryFor(ref);
        if (sp == null) return null;
        Stamped<PersonRecord> old = sp.record();
        sp.setRecord(record);
        personRecords += (record == null ? 0 : 1) - (old == null ? 0 : 1);
        if (sp.isEmpty()) people.remove(ref);
        return old;
    }

    private SourcePerson ownerOf(long eventId) {
        int slot = eventOwners.get(eventId);
        return slot == LongIntMap.MISSING ? null : owners[slot];
    }
    final Map<SourceRef, Set<SourceRef>> opportunitiesByAccount;
    /** Normalized account domain → the source accounts that state it (for finding accounts by domain). */
    final Map<String, Set<SourceRef>> accountsByDomain;
    /**
     * Campaign or list → its membership records (those {@link #relations} holds). A campaign and a
     * list of one source with the same id share an entry: a change to either re-evaluates the
     * members of both, more than needed and never less.
     */
    final Map<SourceRef, Set<Stamped<SourceRecord>>> membersByGlobal = UnifiedMap.newMap();
    /** Unified account id → one of its source accounts (the read API's lookup by id). */
    final AccountIds accountsById = new AccountIds();

    /**
     * Applies one change of {@code source} and records what it touched. Events change no
     * relation (they hang off one person): only their person's Activity changes.
     */
    void apply(String source, RecordChange change, long seq, Touched t) {
        if (change.type() == RecordType.EVENT) {
            applyEvent(source, change, t);
            return;
        }
        SourceRef ref = new SourceRef(source, change.key());
        if (change instanceof RecordChange.Upsert u && keepsShape(source, ref, u.record(), seq, t)) return;
        remove(change.type(), ref, t);
        if (change instanceof RecordChange.Upsert u) add(source, u.record(), ref, seq, t);
    }

    /**
     * An update of a person, account or opportunity that leaves every edge as it was (same email,
     * same sameAs, same account): only that record's unified fact changes. Most updates are of
     * this kind (a title, an amount, a stage).
     */
    private boolean keepsShape(String source, SourceRef ref, SourceRecord record, long seq, Touched t) {
        if (record instanceof PersonRecord p) {
            SourcePerson sp = people.get(ref);
            var old = sp == null ? null : sp.record();
            if (old == null) return false;
            long key = personKey(ref, p);
            if (personKey(ref, old.record()) != key) return false;
            sp.setRecord(new Stamped<>(source, p, seq));
            t.people.add(UnifiedIds.personId(key));
            t.personRefs.add(ref);
            return true;
        } else if (record instanceof AccountRecord a) {
            var old = accounts.get(ref);
            if (old == null || !java.util.Objects.equals(old.record().sameAs(), a.sameAs())) return false;
            unindexDomain(ref, old.record());
            accounts.put(ref, new Stamped<>(source, a, seq));
            indexDomain(ref, a);
            t.accounts.add(ref);
            return true;
        } else if (record instanceof OpportunityRecord o) {
            var old = opportunities.get(ref);
            if (old == null || !java.util.Objects.equals(old.record().sameAs(), o.sameAs())
                    || !java.util.Objects.equals(old.record().accountId(), o.accountId())) return false;
            opportunities.put(ref, new Stamped<>(source, o, seq));
            t.opportunities.add(ref);
            return true;
        }
        return false;
    }

    private void applyEvent(String source, RecordChange change, Touched t) {
        long id = EventSeries.idHash(eventKey, source, change.key());
        SourcePerson old = ownerOf(id);
        if (old != null && change instanceof RecordChange.Upsert u && u.record() instanceof EventRecord e
                && old.ref.equals(new SourceRef(source, e.personId()))
                && old.series.holds(id, e.timestamp().toEpochMilli(), e.eventType(), e.url(), e.attributes())) {
            // Sent again unchanged (a connector's overlapping window, a retried webhook): nothing
            // to apply, and nobody's Activity changed.
            return;
        }
        if (old != null) {
            old.series = old.series.without(id);
            eventOwners.remove(id);
            if (old.series.size() == 0) release(old);
            t.eventPeople.add(uidOf(old.ref));
            t.eventRefs.add(old.ref);
            t.events++;
        }
        if (change instanceof RecordChange.Upsert u && u.record() instanceof EventRecord e
                && e.timestamp().toEpochMilli() > eventHorizonMillis) {
            SourcePerson pe = eventsFor(new SourceRef(source, e.personId()));
            pe.series = pe.series.with(source, id, e.timestamp().toEpochMilli(), e.eventType(), e.url(),
                    shared(e.attributes()));
            eventOwners.put(id, pe.slot);
            t.eventPeople.add(uidOf(pe.ref));
            t.eventRefs.add(pe.ref);
            t.events++;
        }
    }

    Map<String, String> shared(Map<String, String> attributes) {
        if (attributes.isEmpty()) return Map.of();
        WeakReference<Map<String, String>> ref = attributePool.get(attributes);
        Map<String, String> known = ref == null ? null : ref.get();
        if (known != null) return known;
        Map<String, String> copy = Map.copyOf(attributes);
        attributePool.put(copy, new WeakReference<>(copy));
        return copy;
    }

    /**
     * Adds a record read from a snapshot: each ref comes once and nobody is told (the engine
     * starts from stored memberships), so none of an update's bookkeeping is done.
     */
    void restore(String source, SourceRecord record, long seq) {
        // Relations are found by their fields: no key to build (two strings a relation, millions at 1M).
        add(source, record, Relations.holds(record.type()) ? null : new SourceRef(source, record.key()), seq, null);
    }

    /** As {@link #restore}, for a person whose unified person's key the snapshot stored ({@link #personKey}). */
    void restorePerson(String source, PersonRecord p, long seq, long key) {
        addPerson(source, p, new SourceRef(source, p.key()), seq, key, null);
    }

    /**
     * Files the events of people as a snapshot held them (a fresh index, at start) under slots
     * 0, 1, … in their order, with the event index filled at once ({@link LongIntMap#putAll}).
     * Touches only the event index: a snapshot read runs it on its events thread, beside the
     * records; {@link #attachEvents} then hangs each series on its person.
     */
    void restoreEventOwners(List<Map.Entry<SourceRef, EventSeries>> people) {
        if (ownerSlots != 0) throw new IllegalStateException("events are restored into an empty index only");
        int events = 0;
        for (var e : people) events += e.getValue().size();
        eventOwners.putAll(events, sink -> {
            for (int slot = 0; slot < people.size(); slot++) {
                EventSeries series = people.get(slot).getValue();
                for (int i = 0; i < series.size(); i++) sink.put(series.idAt(i), slot);
            }
        });
    }

    /**
     * Hangs the series {@link #restoreEventOwners} filed on their people's entries, in the slots it
     * gave them. Runs once the records are in: a person with a record keeps that record's ref, and
     * the ref and id string the events section made for it are let go.
     */
    void attachEvents(List<Map.Entry<SourceRef, EventSeries>> people) {
        if (ownerSlots != 0) throw new IllegalStateException("events are restored into an empty index only");
        if (owners.length < people.size()) owners = new SourcePerson[people.size()];
        for (int slot = 0; slot < people.size(); slot++) {
            var e = people.get(slot);
            SourcePerson sp = entryFor(e.getKey());
            if (sp.slot >= 0) { // the same person twice: only a damaged file says so
                throw new IllegalStateException("the events of " + e.getKey() + " are in the snapshot twice");
            }
            sp.slot = slot;
            sp.series = e.getValue();
            owners[slot] = sp;
            ownerSlots = slot + 1;
        }
    }

    /** Drops events at or before {@code cutoff}; returns the person nodes that lost some. */
    Set<Node> pruneEvents(long cutoffMillis) {
        Set<Node> changed = new HashSet<>();
        for (int slot = 0; slot < ownerSlots; slot++) {
            SourcePerson pe = owners[slot];
            if (pe == null) continue;
            EventSeries kept = pe.series.after(cutoffMillis);
            if (kept == pe.series) continue;
            for (int i = 0; i < pe.series.size(); i++) {
                long id = pe.series.idAt(i);
                if (kept.indexOf(id) < 0) eventOwners.remove(id);
            }
            pe.series = kept;
            changed.add(Node.person(pe.ref));
            if (kept.size() == 0) release(pe);
        }
        return changed;
    }

    /** The events of a person node (empty when it has none). */
    EventSeries eventsOf(Node person) {
        SourcePerson sp = people.get(person.ref());
        return sp == null ? EventSeries.EMPTY : sp.series;
    }

    private void remove(RecordType type, SourceRef ref, Touched t) {
        switch (type) {
            case PERSON -> {
                var old = setPerson(ref, null);
                if (old != null) {
                    long key = personKey(ref, old.record());
                    personRefsByUid.remove(key, ref);
                    t.people.add(UnifiedIds.personId(key));
                    t.personRefs.add(ref);
                    t.people.add(UnifiedIds.personByRef(ref)); // its relations now name a person without record
                }
            }
            case ACCOUNT -> {
                var old = accounts.remove(ref);
                if (old != null) {
                    unindexDomain(ref, old.record());
                    t.accounts.add(ref);
                    if (old.record().sameAs() != null) {
                        accountEdges.remove(ref, old.record().sameAs());
                        t.accounts.add(old.record().sameAs());
                    }
                }
            }
            case OPPORTUNITY -> {
                var old = opportunities.remove(ref);
                if (old != null) {
                    t.opportunities.add(ref);
                    OpportunityRecord o = old.record();
                    if (o.sameAs() != null) {
                        opportunityEdges.remove(ref, o.sameAs());
                        t.opportunities.add(o.sameAs());
                    }
                    if (o.accountId() != null) {
                        SourceRef acc = new SourceRef(ref.source(), o.accountId());
                        removeFrom(opportunitiesByAccount, acc, ref);
                        t.accounts.add(acc);
                    }
                }
            }
            case ACCOUNT_LINK -> {
                var old = links.remove(ref);
                if (old != null) {
                    List<SourceRef> members = old.record().accounts();
                    for (int i = 1; i < members.size(); i++) accountEdges.remove(members.get(0), members.get(i));
                    t.accounts.addAll(members);
                }
            }
            case CAMPAIGN -> {
                if (campaigns.remove(ref) != null) t.globals.add(ref);
            }
            case MARKETING_LIST -> {
                if (lists.remove(ref) != null) t.globals.add(ref);
            }
            default -> {
                var old = relations.remove(ref.source(), type, ref.id());
                if (old != null) {
                    List<Node> nodes = relationNodes(old.source(), old.record());
                    for (Node n : nodes) unindex(n, nodes.size() == 1, old);
                    SourceRef global = globalOf(old.source(), old.record());
                    if (global != null) removeFrom(membersByGlobal, global, old);
                    touch(old.source(), old.record(), t);
                }
            }
        }
    }

    private void add(String source, SourceRecord record, SourceRef ref, long seq, Touched t) {
        if (record instanceof PersonRecord p) {
            addPerson(source, p, ref, seq, personKey(ref, p), t);
        } else if (record instanceof AccountRecord a) {
            accounts.put(ref, new Stamped<>(source, a, seq));
            indexDomain(ref, a);
            if (t != null) t.accounts.add(ref);
            if (a.sameAs() != null) {
                accountEdges.add(ref, a.sameAs());
                if (t != null) t.accounts.add(a.sameAs());
            }
        } else if (record instanceof OpportunityRecord o) {
            opportunities.put(ref, new Stamped<>(source, o, seq));
            if (t != null) t.opportunities.add(ref);
            if (o.sameAs() != null) {
                opportunityEdges.add(ref, o.sameAs());
                if (t != null) t.opportunities.add(o.sameAs());
            }
            if (o.accountId() != null) {
                SourceRef acc = new SourceRef(source, o.accountId());
                opportunitiesByAccount.computeIfAbsent(acc, SmallSet::create).add(ref);
                if (t != null) t.accounts.add(acc);
            }
        } else if (record instanceof AccountLinkRecord l) {
            links.put(ref, new Stamped<>(source, l, seq));
            List<SourceRef> members = l.accounts();
            for (int i = 1; i < members.size(); i++) accountEdges.add(members.get(0), members.get(i));
            if (t != null) t.accounts.addAll(members);
        } else if (record instanceof CampaignRecord c) {
            campaigns.put(ref, new Stamped<>(source, c, seq));
            if (t != null) t.globals.add(ref);
        } else if (record instanceof MarketingListRecord m) {
            lists.put(ref, new Stamped<>(source, m, seq));
            if (t != null) t.globals.add(ref);
        } else {
            Stamped<SourceRecord> stamped = new Stamped<>(source, record, seq);
            if (relations.put(stamped) != null) {
                // apply removes first; only a snapshot stating a record twice gets here
                throw new IllegalStateException(source + ":" + record.type().wireName() + " " + record.key() + " is stated twice");
            }
            List<Node> nodes = relationNodes(source, record);
            for (Node n : nodes) index(n, nodes.size() == 1, stamped);
            SourceRef global = globalOf(source, record);
            if (global != null) membersByGlobal.computeIfAbsent(global, SmallSet::createIdentity).add(stamped);
            if (t != null) touch(source, record, t);
        }
    }

    private void addPerson(String source, PersonRecord p, SourceRef ref, long seq, long key, Touched t) {
        setPerson(ref, new Stamped<>(source, p, seq));
        personRefsByUid.add(key, ref);
        if (t != null) {
            t.people.add(UnifiedIds.personId(key));
            t.personRefs.add(ref);
            t.people.add(UnifiedIds.personByRef(ref)); // relations that named it without a record
        }
    }

    private void indexDomain(SourceRef ref, AccountRecord a) {
        String d = UnifiedIds.normalizeDomain(a.domain());
        if (!d.isEmpty()) accountsByDomain.computeIfAbsent(d, SmallSet::create).add(ref);
    }

    private void unindexDomain(SourceRef ref, AccountRecord a) {
        String d = UnifiedIds.normalizeDomain(a.domain());
        if (!d.isEmpty()) removeFrom(accountsByDomain, d, ref);
    }

    /** A relation or membership record: whose facts it changes. */
    private void touch(String source, SourceRecord r, Touched t) {
        if (r instanceof AccountPersonRecord ap) {
            SourceRef person = new SourceRef(source, ap.personId());
            t.people.add(uidOf(person));
            t.personRefs.add(person);
            t.relations.add(new Touched.Relation(person, new SourceRef(source, ap.accountId()), 'A'));
        } else if (r instanceof OpportunityPersonRecord op) {
            SourceRef person = new SourceRef(source, op.personId());
            t.people.add(uidOf(person));
            t.personRefs.add(person);
            t.relations.add(new Touched.Relation(person, new SourceRef(source, op.opportunityId()), 'O'));
        } else if (r instanceof CampaignMemberRecord cm) {
            t.people.add(uidOf(new SourceRef(source, cm.personId())));
            t.personRefs.add(new SourceRef(source, cm.personId()));
        } else if (r instanceof MarketingListMemberRecord lm) {
            t.people.add(uidOf(new SourceRef(source, lm.personId())));
            t.personRefs.add(new SourceRef(source, lm.personId()));
        }
    }

    /** The campaign or list a membership record names (memberships are found from it on a change). */
    static SourceRef globalOf(String source, SourceRecord r) {
        if (r instanceof CampaignMemberRecord cm) return new SourceRef(source, cm.campaignId());
        if (r instanceof MarketingListMemberRecord lm) return new SourceRef(source, lm.listId());
        return null;
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
        var p = person(personRef);
        return uidOf(personRef, p == null ? null : p.record());
    }

    private static String uidOf(SourceRef ref, PersonRecord p) { return UnifiedIds.personId(personKey(ref, p)); }

    /** The key of the unified person a source person (with its record, or none) belongs to. */
    static long personKey(String source, PersonRecord p) { return personKey(new SourceRef(source, p.key()), p); }

    private static long personKey(SourceRef ref, PersonRecord p) {
        String email = p == null ? null : UnifiedIds.normalizeEmail(p.email());
        return email == null ? UnifiedIds.personKeyByRef(ref) : UnifiedIds.personKeyByEmail(email);
    }

    /** The relations of a node (to people, or of a person to accounts and deals): records of {@link #relations}. */
    Set<Stamped<SourceRecord>> relationsOf(Node n) {
        if (n.kind() != Node.PERSON) return relationsUnder(n).getOrDefault(n.ref(), Set.of());
        SourcePerson sp = people.get(n.ref());
        return sp == null ? Set.of() : sp.relations;
    }

    /**
     * How many relations join the source records of one unified account or deal ({@code group},
     * filed under {@code node} of each) to people: what step 2 of a neighbourhood walks through it.
     */
    int relationCount(List<SourceRef> group, java.util.function.Function<SourceRef, Node> node) {
        int n = 0;
        for (SourceRef r : group) n += relationsOf(node.apply(r)).size();
        return n;
    }

    /**
     * Whether the unified account or deal of {@code node} has more relations to people than
     * {@code limit}: step 2 of a neighbourhood does not go through it.
     */
    boolean overLimit(Node node, int limit) {
        boolean account = node.kind() == Node.ACCOUNT;
        return overLimit(Unifier.group(node.ref(), account ? accountEdges : opportunityEdges),
                account ? Node::account : Node::opportunity, limit);
    }

    /** As {@link #overLimit(Node, int)}, for a unified account's or deal's group already at hand. */
    boolean overLimit(List<SourceRef> group, java.util.function.Function<SourceRef, Node> node, int limit) {
        return relationCount(group, node) > limit;
    }

    /** A person's campaign and list memberships: records of {@link #relations}. */
    Set<Stamped<SourceRecord>> leavesOf(Node n) {
        SourcePerson sp = n.kind() == Node.PERSON ? people.get(n.ref()) : null;
        return sp == null ? Set.of() : sp.leaves;
    }

    /** The map of an account's or a deal's relations. */
    private Map<SourceRef, Set<Stamped<SourceRecord>>> relationsUnder(Node n) {
        return n.kind() == Node.ACCOUNT ? relationsByAccount : relationsByDeal;
    }

    /**
     * Files a relation-like record under a node it connects: a leaf (campaign or list member, the
     * only node of its record) or a relation (a person and an account or deal).
     */
    private void index(Node n, boolean leaf, Stamped<SourceRecord> key) {
        if (n.kind() != Node.PERSON) {
            relationsUnder(n).computeIfAbsent(n.ref(), SmallSet::createIdentity).add(key);
            return;
        }
        SourcePerson sp = entryFor(n.ref());
        if (leaf) sp.leaves = with(sp.leaves, key);
        else sp.relations = with(sp.relations, key);
    }

    private void unindex(Node n, boolean leaf, Stamped<SourceRecord> key) {
        if (n.kind() != Node.PERSON) {
            removeFrom(relationsUnder(n), n.ref(), key);
            return;
        }
        SourcePerson sp = people.get(n.ref());
        if (sp == null) return;
        if (leaf) sp.leaves = without(sp.leaves, key);
        else sp.relations = without(sp.relations, key);
        if (sp.isEmpty()) people.remove(sp.ref);
    }

    /** {@code set} with {@code key}: a set of its own on the first key (most people have none of a kind). */
    private static Set<Stamped<SourceRecord>> with(Set<Stamped<SourceRecord>> set, Stamped<SourceRecord> key) {
        Set<Stamped<SourceRecord>> out = set == SourcePerson.NONE ? SmallSet.identity() : set;
        out.add(key);
        return out;
    }

    /** {@code set} without {@code key}: the shared empty set once nothing is left. */
    private static Set<Stamped<SourceRecord>> without(Set<Stamped<SourceRecord>> set, Stamped<SourceRecord> key) {
        return set != SourcePerson.NONE && set.remove(key) && set.isEmpty() ? SourcePerson.NONE : set;
    }

    private static <K, V> void removeFrom(Map<K, Set<V>> map, K key, V value) {
        Set<V> s = map.get(key);
        if (s != null && s.remove(value) && s.isEmpty()) map.remove(key);
    }

    /** Throws unless {@link #personRefsByUid} and {@link #people} hold the same person records (tests). */
    void checkPersonIndex() {
        int[] refs = {0};
        personRefsByUid.forEach((uid, filed) -> {
            if (filed.isEmpty()) throw new IllegalStateException("no person left for " + uid);
            for (SourceRef r : filed) {
                var p = person(r);
                if (p == null) throw new IllegalStateException(uid + " names " + r + ", which has no record");
                if (!uidOf(r, p.record()).equals(uid)) throw new IllegalStateException(r + " is filed under " + uid);
                refs[0]++;
            }
        });
        int records = 0;
        for (SourcePerson sp : people.values()) if (sp.hasRecord()) records++;
        if (records != personRecords) throw new IllegalStateException(records + " person records, " + personRecords + " counted");
        if (refs[0] != records) throw new IllegalStateException(records + " person records, " + refs[0] + " filed");
        checkLinks();
    }

    /** Throws unless every {@link SourcePerson} holds something and every held event is filed under its holder's slot (tests). */
    void checkLinks() {
        int filed = 0;
        for (var e : people.entrySet()) {
            SourcePerson sp = e.getValue();
            if (!sp.ref.equals(e.getKey())) throw new IllegalStateException(sp.ref + " filed under " + e.getKey());
            if (sp.isEmpty()) throw new IllegalStateException("nothing is left of " + sp.ref + ", but it is kept");
            filed += current(sp.relations, e.getKey()) + current(sp.leaves, e.getKey());
        }
        for (var e : relationsByAccount.entrySet()) filed += currentAndKept(e.getValue(), Node.account(e.getKey()));
        for (var e : relationsByDeal.entrySet()) filed += currentAndKept(e.getValue(), Node.opportunity(e.getKey()));
        // Each relation under both its nodes, each leaf under its person.
        int expected = 0;
        for (var s : relations) expected += relationNodes(s.source(), s.record()).size();
        if (filed != expected) throw new IllegalStateException(filed + " relations filed under nodes, " + expected + " expected");
        long events = 0;
        int holders = 0;
        for (SourcePerson sp : people.values()) {
            if (sp.slot < 0) {
                if (sp.series.size() != 0) throw new IllegalStateException(sp.ref + " holds events without a slot");
                continue;
            }
            holders++;
            if (owners[sp.slot] != sp) throw new IllegalStateException(sp.ref + ": not its slot's");
            if (sp.series.size() == 0) throw new IllegalStateException(sp.ref + " holds no events, but keeps a slot");
            for (int i = 0; i < sp.series.size(); i++) {
                if (eventOwners.get(sp.series.idAt(i)) != sp.slot) throw new IllegalStateException(sp.ref + ": an event filed elsewhere");
            }
            events += sp.series.size();
        }
        if (holders != eventHolders()) throw new IllegalStateException(eventHolders() + " slots taken, " + holders + " people hold events");
        if (events != eventOwners.size()) throw new IllegalStateException(eventOwners.size() + " events filed, " + events + " held");
    }

    /** As {@link #current}, and throws when {@code filed} is empty (its entry should have gone). */
    private int currentAndKept(Set<Stamped<SourceRecord>> filed, Node under) {
        if (filed.isEmpty()) throw new IllegalStateException("no relation left of " + under + ", but it is kept");
        return current(filed, under);
    }

    /** Throws unless every record of {@code filed} is the one {@link #relations} holds for its key; returns how many. */
    private int current(Set<Stamped<SourceRecord>> filed, Object under) {
        for (var s : filed) {
            if (relations.get(s) != s) {
                throw new IllegalStateException(under + " holds a record of " + s.source() + ":" + s.record().key() + " that is not the current one");
            }
        }
        return filed.size();
    }

    /**
     * Undirected edges with multiplicity: two links may state the same pair. A count per
     * neighbour in open-addressed arrays: most accounts have one or two neighbours, and a HashMap
     * per account (with its table and a node per neighbour) was 160 bytes of each.
     */
    static final class Multimap {
        private final Map<SourceRef, ObjectIntHashMap<SourceRef>> edges = UnifiedMap.newMap();

        void add(SourceRef a, SourceRef b) {
            if (a.equals(b)) return;
            edges.computeIfAbsent(a, k -> new ObjectIntHashMap<>(2)).addToValue(b, 1);
            edges.computeIfAbsent(b, k -> new ObjectIntHashMap<>(2)).addToValue(a, 1);
        }

        void remove(SourceRef a, SourceRef b) {
            if (a.equals(b)) return;
            dec(a, b);
            dec(b, a);
        }

        private void dec(SourceRef a, SourceRef b) {
            ObjectIntHashMap<SourceRef> m = edges.get(a);
            if (m == null) return;
            int n = m.getIfAbsent(b, 0);
            if (n > 1) m.put(b, n - 1);
            else m.removeKey(b);
            if (m.isEmpty()) edges.remove(a);
        }

        Set<SourceRef> neighbours(SourceRef a) {
            ObjectIntHashMap<SourceRef> m = edges.get(a);
            return m == null ? Set.of() : m.keySet();
        }
    }
}
