package io.cohort.identity;

import io.cohort.model.EventSeries;
import io.cohort.model.Fact;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordKey;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.AccountPersonRecord;
import io.cohort.record.SourceRecord.OpportunityPersonRecord;
import io.cohort.record.SourceRecord.OpportunityRecord;
import io.cohort.record.SourceRef;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;

/**
 * The unified profile graph over all current source records. Ingestion applies accepted batches
 * (one writer at a time); evaluation and the read API build people's neighbourhoods concurrently.
 * Nothing here walks a connected component: contacts related to other companies' accounts chain
 * companies together, and a change costs only what the rules can see of it.
 */
public final class ProfileGraph {
    // Replaced as a whole only when a snapshot is read at start (guarded by the lock).
    private SourceIndex index = new SourceIndex();
    private Unifier unifier = new Unifier(index);
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /**
     * Counts the changes made under the write lock (guarded by it): facts built under two read
     * locks with the same count come from the same graph, so a sweep's second build may take the
     * first one's ({@link #neighbourhood(Collection, int, Instant, FactTypes, Neighbourhood)}).
     */
    private long writes;
    /** See {@link #stepTwoLimit()}. */
    private final int stepTwoLimit;
    private final java.util.concurrent.atomic.LongAdder stepTwoSkipped = new java.util.concurrent.atomic.LongAdder();

    /** The default step-2 limit: 500 relations to people per account or deal (engine.stepTwoLimit; docs/operations.md says why). */
    public static final int DEFAULT_STEP_TWO_LIMIT = 500;

    public ProfileGraph() { this(DEFAULT_STEP_TWO_LIMIT); }

    /** @param stepTwoLimit see {@link #stepTwoLimit()} */
    public ProfileGraph(int stepTwoLimit) {
        if (stepTwoLimit < 1) throw new IllegalArgumentException("stepTwoLimit must be at least 1");
        this.stepTwoLimit = stepTwoLimit;
    }

    /**
     * The most relations to people a unified account (or deal) may have for rules to look through
     * it at step 2 (to its other people): beyond that its people are evaluated without each other,
     * and a change of one of them re-evaluates none of the others for it.
     */
    public int stepTwoLimit() { return stepTwoLimit; }

    /** Those of {@code people} (unified ids) related to an account or with a contact role on a deal over {@link #stepTwoLimit()}. */
    public Set<String> pastStepTwoLimit(Collection<String> people) {
        return read(() -> {
            Set<String> out = new HashSet<>();
            person:
            for (String uid : people) {
                for (SourceRef ref : index.personRefsByUid.get(uid)) {
                    for (var s : index.relationsOf(Node.person(ref))) {
                        boolean over = s.record() instanceof AccountPersonRecord ap ? accountOverLimit(new SourceRef(s.source(), ap.accountId()))
                                : s.record() instanceof OpportunityPersonRecord op && dealOverLimit(new SourceRef(s.source(), op.opportunityId()));
                        if (over) {
                            out.add(uid);
                            continue person; // one is enough: the rest would only repeat the groups' walks
                        }
                    }
                }
            }
            return out;
        });
    }

    /** Whether the unified account of a source account has more relations to people than step 2 goes through. */
    private boolean accountOverLimit(SourceRef account) { return index.overLimit(Node.account(account), stepTwoLimit); }

    /** As {@link #accountOverLimit}, for a deal's contact roles. */
    private boolean dealOverLimit(SourceRef deal) { return index.overLimit(Node.opportunity(deal), stepTwoLimit); }

    /** The account or deal a relation record's change is about (its key names it), or null for other records. */
    private static Node relationTarget(String source, RecordChange c) {
        if (c.type() != RecordType.ACCOUNT_PERSON && c.type() != RecordType.OPPORTUNITY_PERSON) return null;
        return RecordKey.parse(c.key(), 2).map(k -> new SourceRef(source, k.get(0)))
                .map(ref -> c.type() == RecordType.ACCOUNT_PERSON ? Node.account(ref) : Node.opportunity(ref)).orElse(null);
    }

    private boolean overLimit(Node n) { return index.overLimit(n, stepTwoLimit); }

    /** How many times a neighbourhood was built without going through an account or deal over {@link #stepTwoLimit()}. */
    public long stepTwoSkipped() { return stepTwoSkipped.sum(); }

    public Touched apply(String source, List<RecordChange> changes, long batchSeq) {
        Touched t = new Touched();
        lock.writeLock().lock();
        try {
            writes++;
            Map<Node, Boolean> overBefore = new HashMap<>();
            for (RecordChange c : changes) {
                Node n = relationTarget(source, c);
                if (n != null) overBefore.computeIfAbsent(n, this::overLimit);
                index.apply(source, c, batchSeq, t);
            }
            // Crossing the limit changes the account's (or deal's) own fact, peopleInReach, for all
            // its people, whatever depth the rules look to: told as a change of it. (A batch that
            // also re-groups it by an MDM link or sameAs tells that change itself.)
            overBefore.forEach((n, before) -> {
                if (overLimit(n) != before) (n.kind() == Node.ACCOUNT ? t.accounts : t.opportunities).add(n.ref());
            });
            if (!t.accounts.isEmpty()) index.accountsById.touched(index, t.accounts);
        } finally {
            lock.writeLock().unlock();
        }
        return t;
    }

    /**
     * Whom a change affects, by what they can see of it: {@code people} saw a record change and
     * are evaluated for every segment; {@code byEvents} saw nothing but new events (theirs or a
     * neighbour's) and only segments whose rules match an Activity can change for them.
     */
    public record Reach(Set<String> people, Set<String> byEvents) {
        /** Everyone, whatever the segments. */
        public Set<String> all() {
            if (byEvents.isEmpty()) return people;
            Set<String> all = new HashSet<>(people);
            all.addAll(byEvents);
            return all;
        }
    }

    /** {@link #affected}, split by what each person saw ({@link Reach}). */
    public Reach reach(Touched t, int depth) {
        if (!t.hasEvents()) return new Reach(affected(t, depth), Set.of());
        Set<String> people = affected(t.withoutEvents(), depth);
        Set<String> byEvents = new HashSet<>(affected(t.eventsOnly(), depth));
        byEvents.removeAll(people);
        return new Reach(people, byEvents);
    }

    /**
     * The people whose neighbourhood of {@code depth} steps a change touched, by unified id: the
     * people it names, and those who see a changed account, deal or person within the depth.
     */
    public Set<String> affected(Touched t, int depth) {
        return read(() -> {
            Set<String> out = new HashSet<>(t.people);
            out.addAll(t.eventPeople);
            Viewers v = new Viewers();
            for (SourceRef a : t.accounts) out.addAll(v.ofAccount(a));
            for (SourceRef o : t.opportunities) out.addAll(v.ofOpportunity(o));
            for (SourceRef g : t.globals) {
                for (var s : index.membersByGlobal.getOrDefault(g, Set.of())) {
                    for (Node n : index.relationNodes(s.source(), s.record())) out.add(index.uidOf(n.ref()));
                }
            }
            if (depth >= 2) {
                // A person's own facts are seen, one step further, by the people of their accounts and deals.
                for (Touched.Relation r : t.relations) {
                    out.addAll(r.kind() == 'A' ? v.ofAccount(r.other()) : v.ofOpportunity(r.other()));
                }
                // Including records that are gone: their relations still say who saw them.
                Set<SourceRef> refs = new HashSet<>(t.personRefs);
                refs.addAll(t.eventRefs);
                for (String uid : List.copyOf(out)) refs.addAll(index.personRefsByUid.get(uid));
                for (SourceRef ref : refs) {
                    for (var s : index.relationsOf(Node.person(ref))) {
                        if (s.record() instanceof AccountPersonRecord ap) out.addAll(v.throughAccount(new SourceRef(s.source(), ap.accountId())));
                        else if (s.record() instanceof OpportunityPersonRecord op) out.addAll(v.throughOpportunity(new SourceRef(s.source(), op.opportunityId())));
                    }
                }
            }
            return out;
        });
    }

    /** Who sees an account or a deal at step 1: the people related to it or in a contact role on its deals. */
    private final class Viewers {
        private final Map<SourceRef, Set<String>> accounts = new HashMap<>();

        Set<String> ofAccount(SourceRef ref) {
            Set<String> known = accounts.get(ref);
            if (known != null) return known;
            Set<String> out = new HashSet<>();
            List<SourceRef> group = Unifier.group(ref, index.accountEdges);
            for (SourceRef a : group) {
                relatedPeople(Node.account(a), out);
                for (SourceRef o : index.opportunitiesByAccount.getOrDefault(a, Set.of())) {
                    for (SourceRef og : Unifier.group(o, index.opportunityEdges)) relatedPeople(Node.opportunity(og), out);
                }
            }
            for (SourceRef a : group) accounts.put(a, out);
            return out;
        }

        /**
         * Who sees a person of this account at step 2: its viewers, or nobody when it has more people
         * than step 2 goes through. (A change to who is related to it re-evaluates everyone of it
         * all the same, through {@link #ofAccount}: it may cross the limit.)
         */
        Set<String> throughAccount(SourceRef ref) { return accountOverLimit(ref) ? Set.of() : ofAccount(ref); }

        /** As {@link #throughAccount}, for a person with a contact role on this deal. */
        Set<String> throughOpportunity(SourceRef ref) { return dealOverLimit(ref) ? Set.of() : ofOpportunity(ref); }

        Set<String> ofOpportunity(SourceRef ref) {
            Set<String> out = new HashSet<>();
            for (SourceRef o : Unifier.group(ref, index.opportunityEdges)) {
                relatedPeople(Node.opportunity(o), out);
                var rec = index.opportunities.get(o);
                if (rec != null && rec.record().accountId() != null) out.addAll(ofAccount(new SourceRef(o.source(), rec.record().accountId())));
            }
            return out;
        }

        private void relatedPeople(Node n, Set<String> out) {
            for (var s : index.relationsOf(n)) {
                if (s.record() instanceof AccountPersonRecord ap) out.add(index.uidOf(new SourceRef(s.source(), ap.personId())));
                else if (s.record() instanceof OpportunityPersonRecord op) out.add(index.uidOf(new SourceRef(s.source(), op.personId())));
            }
        }
    }

    /** The facts {@code subjects} are evaluated with, {@code depth} steps around each; events before {@code eventsSince} left out. */
    public Neighbourhood neighbourhood(Collection<String> subjects, int depth, Instant eventsSince) {
        return neighbourhood(subjects, depth, eventsSince, FactTypes.ALL);
    }

    /** As {@link #neighbourhood(Collection, int, Instant)}, with only the facts of {@code types}. */
    public Neighbourhood neighbourhood(Collection<String> subjects, int depth, Instant eventsSince, FactTypes types) {
        return neighbourhood(subjects, depth, eventsSince, types, null);
    }

    /**
     * As {@link #neighbourhood(Collection, int, Instant, FactTypes)}, taking each person's own facts
     * (their records, unified Person and Activity) from {@code known} where it has them, instead of
     * building them again: a sweep first builds everyone's own facts ({@link #ownFacts}) and then the
     * whole neighbourhood of the few its filter passes, and building a person's own facts is most of
     * what a person costs. Taken only when the graph has not changed since {@code known} was built
     * and its events start at the same instant, so the facts are exactly those a fresh build makes.
     *
     * @param known what an earlier {@link #ownFacts} built, or null
     */
    public Neighbourhood neighbourhood(Collection<String> subjects, int depth, Instant eventsSince, FactTypes types,
                                       Neighbourhood known) {
        return read(() -> {
            long after = eventsSince.toEpochMilli() - 1;
            var reuse = known != null && known.ownFacts().isPresent() && known.ownFacts().get().sameBuild(writes, after)
                    ? known.ownFacts().get() : null;
            var b = new NeighbourhoodBuilder(index, unifier, after, types, subjects.size(), stepTwoLimit, reuse);
            Neighbourhood n = b.build(subjects, depth);
            if (b.skipped() > 0) stepTwoSkipped.add(b.skipped());
            return n;
        });
    }

    /**
     * The people's own facts of {@code types} (a neighbourhood of depth 0), keeping what a later
     * {@link #neighbourhood(Collection, int, Instant, FactTypes, Neighbourhood)} of the same graph may take.
     */
    public Neighbourhood ownFacts(Collection<String> subjects, Instant eventsSince, FactTypes types) {
        return read(() -> new NeighbourhoodBuilder(index, unifier, eventsSince.toEpochMilli() - 1, types, subjects.size(),
                stepTwoLimit, null).remembering(writes).build(subjects, 0));
    }

    /**
     * An account with its deals and one page of its people (their Person facts), for the read API.
     *
     * @param people the page's people (unified ids, in order)
     * @param total  how many people the account has
     * @param next   the last id of the page when more follow (the next page's {@code after}), else null
     */
    public record AccountView(Neighbourhood facts, List<String> people, int total, String next) {}

    /**
     * {@link #accountView(String, Instant, String, int)} of the people after {@code after} (null:
     * from the first) in id order, at most {@code limit}: an account of 16,000 people (a catch-all
     * "Unknown" account) took 0.1–0.6 s and 48,000 facts to show whole.
     */
    public Optional<AccountView> accountView(String accountId, Instant eventsSince, String after, int limit) {
        return read(() -> {
            SourceRef ref = index.accountsById.find(index, accountId);
            if (ref == null) return Optional.<AccountView>empty();
            List<SourceRef> group = Unifier.group(ref, index.accountEdges);
            if (!UnifiedIds.account(Collections.min(group)).equals(accountId)) return Optional.<AccountView>empty();
            TreeSet<String> all = new TreeSet<>();
            for (SourceRef a : group) {
                for (var s : index.relationsOf(Node.account(a))) {
                    if (s.record() instanceof AccountPersonRecord ap) all.add(index.uidOf(new SourceRef(s.source(), ap.personId())));
                }
            }
            List<String> page = new ArrayList<>(Math.min(limit, all.size()));
            for (String uid : after == null ? all : all.tailSet(after, false)) {
                if (page.size() == limit) break;
                page.add(uid);
            }
            String next = page.size() == limit && !page.isEmpty() && all.higher(page.get(page.size() - 1)) != null
                    ? page.get(page.size() - 1) : null;
            Neighbourhood n = new NeighbourhoodBuilder(index, unifier, eventsSince.toEpochMilli() - 1, page.size(), stepTwoLimit).build(page, 0);
            // People first: their step-0 facts; then the account itself with all its deals.
            NeighbourhoodBuilder b = new NeighbourhoodBuilder(index, unifier, eventsSince.toEpochMilli() - 1, 1, stepTwoLimit);
            Neighbourhood acc = b.accountOnly(accountId, group);
            List<Fact> facts = new ArrayList<>(acc.facts());
            facts.addAll(n.facts());
            return Optional.of(new AccountView(n.withFacts(facts), page, all.size(), next));
        });
    }


    /** Unified accounts found by a search, and how many matched in all. */
    public record AccountMatches(List<io.cohort.model.Account> accounts, int total) {}

    /**
     * Unified accounts whose domain is {@code domain} (an index lookup) or, when {@code nameFragment}
     * is given, whose name contains it (a scan of the account records), at most {@code limit}.
     */
    public AccountMatches findAccounts(String domain, String nameFragment, int limit) {
        return read(() -> {
            Set<SourceRef> refs = new LinkedHashSet<>(index.accountsByDomain.getOrDefault(UnifiedIds.normalizeDomain(domain), Set.of()));
            if (nameFragment != null && !nameFragment.isBlank()) {
                String f = nameFragment.toLowerCase(Locale.ROOT);
                index.accounts.forEach((ref, s) -> {
                    String n = s.record().name();
                    if (n != null && n.toLowerCase(Locale.ROOT).contains(f)) refs.add(ref);
                });
            }
            Map<String, List<SourceRef>> groups = new TreeMap<>();
            for (SourceRef r : refs) {
                List<SourceRef> g = Unifier.group(r, index.accountEdges);
                groups.putIfAbsent(UnifiedIds.account(Collections.min(g)), g);
            }
            List<io.cohort.model.Account> out = new ArrayList<>();
            for (var e : groups.entrySet()) {
                if (out.size() >= limit) break;
                List<Stamped<io.cohort.record.SourceRecord.AccountRecord>> recs = Unifier.records(e.getValue(), index.accounts);
                if (recs.isEmpty()) continue;
                out.add(Merge.account(e.getKey(), recs, !index.overLimit(e.getValue(), Node::account, stepTwoLimit)));
            }
            return new AccountMatches(out, groups.size());
        });
    }

    /**
     * Every person with a record, ordered so that people of one account are near each other
     * (evaluating them together shares the account's facts). The order is kept between calls and
     * mended with the people who came and went since ({@link PersonOrder}).
     */
    public List<String> personIds() {
        return read(() -> index.personRefsByUid.ordered(this::orderByFirstAccount));
    }

    /**
     * The keys of {@link #personIds()}, for a snapshot: written with the graph, so that the first
     * full evaluation after a start (a rule edit, say) need not work the order out again (~1 s at
     * 1M people, docs/benchmarks.md round 26, under the read lock that ingestion waits for).
     */
    long[] personOrderKeys() {
        return read(() -> index.personRefsByUid.orderKeys(this::orderByFirstAccount));
    }

    /** How many times the order of {@link #personIds()} was worked out from scratch (for tests). */
    int ordersWorkedOut() { return read(index.personRefsByUid::ordersWorkedOut); }

    /**
     * Everyone's key, bucketed by first account, the accounts sorted and each bucket: sorting
     * everyone by account text took seconds at 1M people, on one thread, before every full
     * evaluation. Any fixed order that keeps an account's people together will do. Within a
     * bucket, keys in their ids' order (unsigned).
     */
    private long[] orderByFirstAccount() {
        PersonIndex people = index.personRefsByUid;
        int n = people.size();
        long[] keys = new long[n];
        @SuppressWarnings("unchecked") Set<SourceRef>[] refs = new Set[n];
        int[] at = {0};
        people.forEachKey((key, r) -> {
            keys[at[0]] = key;
            refs[at[0]++] = r;
        });
        // Two lookups per relation in maps of millions, a cache miss each: on both cores (the
        // index is only read here, under the read lock). A fifth of a 1M rule edit on one.
        SourceRef[] first = new SourceRef[n];
        java.util.stream.IntStream.range(0, n).parallel().forEach(i -> first[i] = firstAccount(refs[i]));
        Map<SourceRef, LongArrayList> byAccount = new HashMap<>();
        LongArrayList none = new LongArrayList();
        for (int i = 0; i < n; i++) {
            (first[i] == null ? none : byAccount.computeIfAbsent(first[i], k -> new LongArrayList(4))).add(keys[i]);
        }
        List<SourceRef> accounts = new ArrayList<>(byAccount.keySet());
        Collections.sort(accounts);
        long[] out = new long[n];
        int o = 0;
        for (SourceRef a : accounts) o = appendSorted(byAccount.get(a), out, o);
        appendSorted(none, out, o);
        return out;
    }

    /** Appends {@code keys} to {@code out} at {@code at} in unsigned order (their ids' order); returns the next position. */
    private static int appendSorted(LongArrayList keys, long[] out, int at) {
        int from = at;
        for (int i = 0; i < keys.size(); i++) out[at++] = keys.get(i) ^ Long.MIN_VALUE;
        Arrays.sort(out, from, at);
        for (int i = from; i < at; i++) out[i] ^= Long.MIN_VALUE;
        return at;
    }

    /** The least of the accounts a person's source records are related to; null when none. */
    private SourceRef firstAccount(Set<SourceRef> refs) {
        SourceRef first = null;
        for (SourceRef r : refs) {
            for (var s : index.relationsOf(Node.person(r))) {
                if (s.record() instanceof AccountPersonRecord ap) {
                    SourceRef account = new SourceRef(s.source(), ap.accountId());
                    if (first == null || account.compareTo(first) < 0) first = account;
                }
            }
        }
        return first;
    }

    /**
     * Every person with a record, in no particular order: for walks that visit everyone one at a
     * time (due times, samples), which need not pay for {@link #personIds()}'s ordering.
     */
    public List<String> personIdsUnordered() {
        return read(() -> index.personRefsByUid.ids());
    }

    /**
     * {@code n} people with a record drawn at random, with repeats (none when there is nobody):
     * for samples, which at 1M people need not make a million id strings to pick a few thousand.
     */
    public List<String> randomPeople(int n, java.util.Random random) {
        return read(() -> index.personRefsByUid.random(n, random));
    }

    /** Number of people with a record. */
    public int personCount() { return read(index.personRefsByUid::size); }

    /**
     * When a person's answers to window questions may next change: the earliest moment one of
     * their events leaves one of the {@code windows} (millis) that end now, or, for a window of 0,
     * the time of their earliest event dated after now (it enters then); Long.MAX_VALUE when none.
     */
    public long nextWindowEdge(String uid, long nowMillis, long[] windows) {
        if (windows.length == 0) return Long.MAX_VALUE;
        return read(() -> windowEdge(index.personRefsByUid.get(uid), nowMillis, windows));
    }

    private long windowEdge(Set<SourceRef> refs, long nowMillis, long[] windows) {
        long best = Long.MAX_VALUE;
        for (SourceRef r : refs) {
            EventSeries s = index.eventsOf(Node.person(r));
            if (s.size() == 0) continue;
            for (long w : windows) {
                long first = s.firstAfter(nowMillis - w);
                if (first != Long.MAX_VALUE) best = Math.min(best, first + w);
            }
        }
        return best;
    }

    /** Every person's {@link #nextWindowEdge}: {@code edges[i]} is {@code people[i]}'s (Long.MAX_VALUE: none). */
    public record WindowEdges(String[] people, long[] edges) {}

    /**
     * Every person's {@link #nextWindowEdge}, under one read lock, on the common fork-join pool as
     * well as this thread: at 1M people the lookups of each person's events wait on memory, and two
     * threads overlap those waits (the graph does not change while the lock is held).
     */
    public WindowEdges nextWindowEdges(long nowMillis, long[] windows) {
        return read(() -> {
            int n = index.personRefsByUid.size();
            String[] people = new String[n];
            @SuppressWarnings("unchecked")
            Set<SourceRef>[] refs = new Set[n];
            int[] at = {0};
            index.personRefsByUid.forEach((uid, r) -> {
                people[at[0]] = uid;
                refs[at[0]++] = r;
            });
            long[] edges = new long[n];
            java.util.stream.IntStream.range(0, n).parallel().forEach(k -> edges[k] = windowEdge(refs[k], nowMillis, windows));
            return new WindowEdges(people, edges);
        });
    }

    /**
     * The deals whose stored time crossed a rule's offset while the clock moved from
     * {@code fromMillis} (exclusive) to {@code toMillis} (inclusive): for
     * {@code createdDate > $now.daysAgo(30)}, the deals created 30 days before a moment in that
     * span. Only these can answer differently now, so only the people who see them need evaluating.
     * A date turns at a UTC midnight; a day either side is taken, as the comparison's direction and
     * strictness are not known here (evaluating a few more people changes no answer).
     *
     * @param fieldWindows "Opportunity.createdDate" / "Opportunity.closeDate" → offsets in millis
     */
    public Touched timeCrossings(Map<String, long[]> fieldWindows, long fromMillis, long toMillis) {
        long[] created = fieldWindows.getOrDefault("Opportunity.createdDate", new long[0]);
        long[] close = fieldWindows.getOrDefault("Opportunity.closeDate", new long[0]);
        Touched t = new Touched();
        if (created.length == 0 && close.length == 0 || toMillis <= fromMillis) return t;
        return read(() -> {
            for (var e : index.opportunities.entrySet()) {
                OpportunityRecord o = e.getValue().record();
                if (o.createdDate() != null && crossed(o.createdDate().toEpochMilli(), created, 1L, fromMillis, toMillis)
                        || o.closeDate() != null && crossed(o.closeDate().toEpochDay() * 86_400_000L, close, 86_400_000L, fromMillis, toMillis)) {
                    t.opportunities.add(e.getKey());
                }
            }
            return t;
        });
    }

    private static boolean crossed(long value, long[] offsets, long slack, long from, long to) {
        for (long w : offsets) {
            long turn = value + w;
            if (turn + slack > from && turn - slack <= to) return true;
        }
        return false;
    }

    /**
     * Forgets events before {@code cutoff} (engine.eventRetention): they stay in the store. Events
     * arriving later that are older than the cutoff are not held either.
     *
     * @return the people whose Activity changed
     */
    public Set<String> pruneEvents(Instant cutoff) {
        lock.writeLock().lock();
        try {
            return pruneLocked(cutoff);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * As {@link #pruneEvents}, unless the graph is being read at length (a snapshot being written
     * while the service runs, for seconds at 1M people): then nothing is pruned and empty is
     * returned after {@code patience}, and the caller prunes at its next tick. Waiting would queue a
     * writer, and every later reader (the profile and account APIs) waits behind a queued writer.
     */
    public Optional<Set<String>> pruneEventsUnlessBusy(Instant cutoff, java.time.Duration patience) {
        try {
            if (!lock.writeLock().tryLock(patience.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            return Optional.of(pruneLocked(cutoff));
        } finally {
            lock.writeLock().unlock();
        }
    }

    private Set<String> pruneLocked(Instant cutoff) {
        writes++;
        index.eventHorizonMillis = Math.max(index.eventHorizonMillis, cutoff.toEpochMilli() - 1);
        Set<String> out = new HashSet<>();
        for (Node n : index.pruneEvents(index.eventHorizonMillis)) out.add(index.uidOf(n.ref()));
        return out;
    }

    /** Records held but events: as many as the store's, when the graph is its copy. */
    public long recordCount() { return read(index::recordCount); }

    /** Events held in memory (for metrics and the benchmark). */
    public int eventCount() { return read(index.eventOwners::size); }

    /** The unified person of a unified id with its source identities. */
    public Optional<UnifiedPerson> person(String unifiedId) {
        return read(() -> Optional.ofNullable(unifier.person(unifiedId)));
    }

    /**
     * Every unified fact of the whole graph in one list, built by the reference path (as if the
     * whole graph were one component). For tests that compare the engine with a single session.
     */
    public List<Fact> allFacts(Instant eventsSince) {
        return read(() -> {
            Set<Node> all = new HashSet<>();
            index.people.values().forEach(sp -> { if (sp.hasRecord() || !sp.relations.isEmpty()) all.add(Node.person(sp.ref)); });
            index.accounts.keySet().forEach(r -> all.add(Node.account(r)));
            index.opportunities.keySet().forEach(r -> all.add(Node.opportunity(r)));
            index.relationsByAccount.keySet().forEach(r -> all.add(Node.account(r)));
            index.relationsByDeal.keySet().forEach(r -> all.add(Node.opportunity(r)));
            for (var e : index.opportunities.entrySet()) {
                OpportunityRecord o = e.getValue().record();
                if (o.accountId() != null) all.add(Node.account(new SourceRef(e.getKey().source(), o.accountId())));
            }
            List<Fact> facts = new ArrayList<>(unifier.facts(new Component("all", all), eventsSince, stepTwoLimit).facts());
            facts.addAll(unifier.globalFacts());
            return facts;
        });
    }

    /** Whether a unified person has a record. */
    public boolean hasPerson(String unifiedId) {
        return read(() -> index.personRefsByUid.contains(unifiedId));
    }

    /** As {@link #hasPerson(String)}, for the person id of these 64 bits ({@link UnifiedIds#personKey}): no id string made. */
    public boolean hasPersonKey(long key) {
        return read(() -> index.personRefsByUid.contains(key));
    }

    /** Lets the snapshot read the whole index, ingestion held off meanwhile. */
    void readIndex(java.util.function.Consumer<SourceIndex> reader) {
        read(() -> {
            reader.accept(index);
            return null;
        });
    }

    /** Empties the graph (a start that found its snapshot too old to continue from). */
    public void clear() { replaceIndex(new SourceIndex()); }

    /** Puts a fully read snapshot in place of the (empty) graph. */
    void replaceIndex(SourceIndex fresh) {
        lock.writeLock().lock();
        try {
            writes++;
            index = fresh;
            unifier = new Unifier(fresh);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private <T> T read(Supplier<T> s) {
        lock.readLock().lock();
        try {
            return s.get();
        } finally {
            lock.readLock().unlock();
        }
    }
}
