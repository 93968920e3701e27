package io.cohort.engine;

import io.cohort.identity.Component;
import io.cohort.identity.ComponentFacts;
import io.cohort.identity.Node;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every segment's membership current. Accepted batches mark graph nodes dirty; one
 * coordinator thread turns the dirty nodes into their components, computes each component's
 * facts, applies the difference to the shard (Drools session) that owns the component, fires the
 * shards in parallel and reports the net membership changes to the {@link MembershipSink}.
 * A component moving between shards (merge, split) is deleted in one and inserted in the other
 * within one round, and changes are netted across shards, so a move never shows as exit + enter.
 */
public final class Evaluator implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    private static final int CHUNK_FACTS = 50_000;
    private static final int SWEEP_SLICE = 2_000;

    private final ProfileGraph graph;
    private final MembershipSink sink;
    private final Clock clock;
    private final EngineConfig config;
    private final ExecutorService coordinator;
    private final ScheduledExecutorService ticker;
    private final List<ExecutorService> shardThreads = new ArrayList<>();
    private final EngineStats stats = new EngineStats();

    // Guarded by `this`: what ingest has handed over and not yet evaluated.
    private Set<Node> pending = new HashSet<>();
    private Set<Node> pendingActivity = new HashSet<>();
    private Set<Node> pendingChanged = new HashSet<>();
    private boolean pendingGlobals;
    private long pendingUpTo;
    private boolean scheduled;

    // Confined to the coordinator thread.
    private volatile RuleBook ruleBook;
    private List<Shard> shards = List.of();
    private final Map<Node, String> componentOf = new HashMap<>();
    private final Map<String, Placement> placements = new HashMap<>();
    /**
     * Per shard: fact key → key of the component that last put it there. A fact can move between
     * two components that both live on (an event re-assigned to another person); when the new
     * owner is processed first, the old one must not delete the fact it no longer owns.
     */
    private List<Map<String, String>> owners = List.of();
    private Map<String, Fact> globals = Map.of();
    private Set<Qualified> known;
    private final AtomicLong evaluatedUpTo = new AtomicLong();

    public Evaluator(ProfileGraph graph, MembershipSink sink, Clock clock, EngineConfig config) {
        this.graph = graph;
        this.sink = sink;
        this.clock = clock;
        this.config = config;
        this.coordinator = Executors.newSingleThreadExecutor(r -> thread(r, "cohort-evaluator"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "cohort-clock"));
        for (int i = 0; i < config.shards(); i++) {
            int n = i;
            shardThreads.add(Executors.newSingleThreadExecutor(r -> thread(r, "cohort-shard-" + n)));
        }
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Builds the sessions from the graph with the given rules and waits until evaluated. */
    public void start(RuleBook initial) throws Exception {
        coordinator.submit(() -> {
            known = new HashSet<>(sink.realized());
            rebuild(initial, "start");
        }).get();
        if (!config.manualClock()) {
            long ms = config.tick().toMilliseconds();
            ticker.scheduleAtFixedRate(this::tick, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override public void start() {}

    @Override public void stop() throws InterruptedException {
        ticker.shutdownNow();
        coordinator.shutdown();
        coordinator.awaitTermination(30, TimeUnit.SECONDS);
        shardThreads.forEach(ExecutorService::shutdown);
        shards.forEach(Shard::close);
    }

    /** Hands over what an accepted batch touched; evaluation follows asynchronously, coalesced. */
    public void submit(ProfileGraph.Applied applied, long batchSeq) {
        synchronized (this) {
            pending.addAll(applied.dirty());
            pendingActivity.addAll(applied.activity());
            pendingChanged.addAll(applied.changed());
            pendingGlobals |= applied.globalsChanged();
            pendingUpTo = Math.max(pendingUpTo, batchSeq);
            stats.markPending(System.nanoTime());
            if (scheduled) return;
            scheduled = true;
        }
        coordinator.execute(this::drain);
    }

    /** Replaces the rules: new sessions get every fact; the implied entered/exited changes follow. */
    public Future<?> reload(RuleBook next) {
        return coordinator.submit(() -> rebuild(next, "rules"));
    }

    /** Moves time forward for the rules (the Now fact) and evaluates. */
    public void tick() {
        coordinator.execute(() -> {
            try {
                Instant now = clock.instant();
                Set<Qualified> touched = new HashSet<>();
                List<Future<ShardOutcome>> fs = new ArrayList<>();
                for (Shard s : shards) fs.add(run(s, List.of(new FactOp.Put(new Now(now)))));
                collect(fs, touched);
                report(touched, Map.of(), evaluatedUpTo.get(), "clock");
                pruneEvents(now);
            } catch (RuntimeException e) {
                LOG.error("clock tick failed", e);
            }
        });
    }

    /**
     * On every tick, events that left the retention window leave memory and the Activity facts of
     * their people are replaced (a scan of each person's oldest event: milliseconds per million
     * people). Kept current, an Activity is rebuilt as the very same object, so a component
     * rebuild does not touch it in the session. In slices, queued behind ingest work.
     */
    private void pruneEvents(Instant now) {
        List<Node> changed = new ArrayList<>(graph.pruneEvents(now.minusMillis(config.eventRetention().toMilliseconds())));
        for (int from = 0; from < changed.size(); from += SWEEP_SLICE) {
            Set<Node> slice = new HashSet<>(changed.subList(from, Math.min(changed.size(), from + SWEEP_SLICE)));
            coordinator.execute(() -> {
                try {
                    Map<String, PersonSnapshot> people = new HashMap<>();
                    Set<Qualified> touched = evaluate(Set.of(), slice, Set.of(), people);
                    report(touched, people, evaluatedUpTo.get(), "clock");
                } catch (RuntimeException e) {
                    LOG.error("retention sweep failed", e);
                }
            });
        }
    }

    /** Waits until everything submitted before this call is evaluated. */
    public void awaitIdle(java.time.Duration timeout) throws Exception {
        coordinator.submit(() -> {}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (this) {
            if (!scheduled) return;
        }
        coordinator.submit(() -> {}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public RuleBook ruleBook() { return ruleBook; }

    public long evaluatedUpTo() { return evaluatedUpTo.get(); }

    public EngineStats stats() { return stats; }

    private void drain() {
        Set<Node> dirty;
        Set<Node> activity;
        Set<Node> changed;
        boolean globalsChanged;
        long upTo;
        synchronized (this) {
            dirty = pending;
            activity = pendingActivity;
            changed = pendingChanged;
            globalsChanged = pendingGlobals;
            upTo = pendingUpTo;
            pending = new HashSet<>();
            pendingActivity = new HashSet<>();
            pendingChanged = new HashSet<>();
            pendingGlobals = false;
            scheduled = false;
        }
        long started = System.nanoTime();
        try {
            Set<Qualified> touched = new HashSet<>();
            if (globalsChanged) touched.addAll(syncGlobals());
            Map<String, PersonSnapshot> people = new HashMap<>();
            touched.addAll(evaluate(dirty, activity, changed, people));
            evaluatedUpTo.set(upTo);
            report(touched, people, upTo, "ingest");
        } catch (RuntimeException e) {
            LOG.error("evaluation round failed; {} dirty nodes will be retried in a second", dirty.size(), e);
            synchronized (this) {
                pending.addAll(dirty);
                pending.addAll(activity); // retried as whole components
                pending.addAll(changed);
                pendingGlobals |= globalsChanged;
                // Retry on our own: waiting for the next batch could strand this work indefinitely.
                if (!scheduled) {
                    scheduled = true;
                    ticker.schedule(() -> coordinator.execute(this::drain), 1, TimeUnit.SECONDS);
                }
            }
        } finally {
            stats.roundDone(started, System.nanoTime());
        }
    }

    private void rebuild(RuleBook book, String cause) {
        long started = System.nanoTime();
        List<Shard> next = new ArrayList<>();
        for (int i = 0; i < config.shards(); i++) next.add(new Shard(i, book, clock, config.maxFiringsPerRound()));
        List<Shard> old = shards;
        shards = next;
        ruleBook = book;
        graph.pruneEvents(clock.instant().minusMillis(config.eventRetention().toMilliseconds()));
        componentOf.clear();
        placements.clear();
        owners = new ArrayList<>();
        for (int i = 0; i < next.size(); i++) owners.add(new HashMap<>());
        globals = Map.of();
        Set<Qualified> touched = new HashSet<>(known);
        List<Future<ShardOutcome>> fs = new ArrayList<>();
        for (Shard s : shards) fs.add(run(s, List.of(new FactOp.Put(new Now(clock.instant())))));
        collect(fs, touched);
        touched.addAll(syncGlobals());
        Map<String, PersonSnapshot> people = new HashMap<>();
        long upTo;
        synchronized (this) {
            upTo = pendingUpTo;
        }
        touched.addAll(evaluate(graph.allNodes(), Set.of(), Set.of(), people));
        evaluatedUpTo.set(Math.max(evaluatedUpTo.get(), upTo));
        report(touched, people, upTo, cause);
        old.forEach(Shard::close);
        LOG.info("rules {} loaded into {} shards in {} ms: {} components, {} facts", book.version(), shards.size(),
                (System.nanoTime() - started) / 1_000_000, placements.size(), factCount());
    }

    /**
     * Brings the sessions in line with the graph for the components of {@code dirty}, and for the
     * people of {@code activity} whose component is otherwise unchanged: their Activity fact goes
     * to the shard on its own, without rebuilding the component (most streaming traffic is events).
     */
    private Set<Qualified> evaluate(Set<Node> dirty, Set<Node> activity, Set<Node> changed,
                                    Map<String, PersonSnapshot> people) {
        Instant since = clock.instant().minusMillis(config.eventRetention().toMilliseconds());
        Set<Qualified> touched = new HashSet<>();
        Set<Node> covered = new HashSet<>();
        List<List<FactOp>> ops = newOps();
        int buffered = 0;
        for (Set<Node> single : List.of(activity, changed)) {
            for (Node n : single) {
                if (!componentOf.containsKey(n)) dirty = withNode(dirty, n); // not placed yet: build its component
            }
        }
        // Nodes of a component that was taken apart are revisited, so no part is left behind.
        ArrayDeque<Node> work = new ArrayDeque<>(dirty);
        while (!work.isEmpty()) {
            Node n = work.poll();
            if (covered.contains(n)) continue;
            Component c = graph.component(n);
            covered.addAll(c.nodes());
            Set<String> oldKeys = new HashSet<>();
            for (Node m : c.nodes()) {
                String k = componentOf.get(m);
                if (k != null) oldKeys.add(k);
            }
            int shard = Math.floorMod(c.key().hashCode(), shards.size());
            ComponentFacts cf = graph.facts(c, since);
            // One key String per fact, shared by the placement and the shard's handle map (not two
            // copies of every key): a component rebuilt on its shard reuses the keys it has.
            Map<String, String> reuse = new HashMap<>();
            for (String ok : oldKeys) {
                Placement p = placements.get(ok);
                if (p.shard() == shard) p.factKeys().forEach(k -> reuse.put(k, k));
            }
            List<String> keys = new ArrayList<>(cf.facts().size());
            Set<String> wanted = new HashSet<>();
            for (Fact f : cf.facts()) {
                String k = f.key();
                k = reuse.getOrDefault(k, k);
                keys.add(k);
                wanted.add(k);
            }
            for (String ok : oldKeys) {
                Placement p = placements.remove(ok);
                p.nodes().forEach(m -> componentOf.remove(m, ok));
                work.addAll(p.nodes());
                for (String fk : p.factKeys()) {
                    if ((p.shard() != shard || !wanted.contains(fk)) && owners.get(p.shard()).remove(fk, ok)) {
                        ops.get(p.shard()).add(new FactOp.Remove(fk));
                    }
                }
            }
            if (!wanted.isEmpty()) {
                for (int i = 0; i < keys.size(); i++) {
                    ops.get(shard).add(new FactOp.Put(keys.get(i), cf.facts().get(i)));
                    owners.get(shard).put(keys.get(i), c.key());
                }
                placements.put(c.key(), new Placement(shard, c.nodes(), wanted));
                c.nodes().forEach(m -> componentOf.put(m, c.key()));
                for (Person p : cf.persons()) {
                    people.put(p.id(), new PersonSnapshot(p.id(), p.email(), p.emailOptOut(),
                            cf.identities().getOrDefault(p.id(), Map.of())));
                }
            }
            buffered += cf.facts().size() + oldKeys.size();
            if (buffered >= CHUNK_FACTS) {
                flush(ops, touched);
                ops = newOps();
                buffered = 0;
            }
        }
        evaluateChanged(changed, covered, ops, people);
        evaluateActivity(activity, covered, since, ops, people);
        flush(ops, touched);
        return touched;
    }

    private static Set<Node> withNode(Set<Node> dirty, Node n) {
        Set<Node> out = dirty instanceof HashSet<Node> ? dirty : new HashSet<>(dirty);
        out.add(n);
        return out;
    }

    /**
     * The one fact each changed node is part of (a person's, an account's or a deal's update that
     * kept every edge), for placed components not rebuilt in this round.
     */
    private void evaluateChanged(Set<Node> changed, Set<Node> covered, List<List<FactOp>> ops,
                                 Map<String, PersonSnapshot> people) {
        for (Node n : changed) {
            if (covered.contains(n)) continue;
            Optional<Fact> fact = graph.factOf(n);
            Placement p = placements.get(componentOf.get(n));
            if (fact.isEmpty() || p == null) continue; // a record without fact changes nothing
            String key = fact.get().key();
            if (!p.factKeys().contains(key)) continue; // cannot happen while the edges are the same
            ops.get(p.shard()).add(new FactOp.Put(key, fact.get()));
            if (fact.get() instanceof Person person) snapshot(person.id(), people);
        }
    }

    /** The person as the audience stage needs them (email, consent, identities), once per round. */
    private void snapshot(String pid, Map<String, PersonSnapshot> people) {
        if (people.containsKey(pid)) return;
        graph.person(pid).ifPresent(u -> people.put(pid, new PersonSnapshot(pid, u.person().email(),
                u.person().emailOptOut(), u.identities())));
    }

    /** New Activity facts for people of placed components that were not rebuilt in this round. */
    private void evaluateActivity(Set<Node> activity, Set<Node> covered, Instant since, List<List<FactOp>> ops,
                                  Map<String, PersonSnapshot> people) {
        Set<String> done = new HashSet<>();
        for (Node n : activity) {
            if (covered.contains(n)) continue; // rebuilt from the graph, this Activity included
            // A node without person record has no Activity; its events become one with the record,
            // whose arrival rebuilds the component.
            var fact = graph.activity(n, since);
            if (fact.isEmpty() || !done.add(fact.get().getPersonId())) continue;
            String owner = componentOf.get(n);
            Placement p = placements.get(owner);
            String key = fact.get().key();
            if (!p.factKeys().contains(key)) continue; // not this component's person (yet): a rebuild follows
            ops.get(p.shard()).add(new FactOp.Put(key, fact.get()));
            snapshot(fact.get().getPersonId(), people);
        }
    }

    private List<List<FactOp>> newOps() {
        List<List<FactOp>> ops = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) ops.add(new ArrayList<>());
        return ops;
    }

    private void flush(List<List<FactOp>> ops, Set<Qualified> touched) {
        List<Future<ShardOutcome>> fs = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            if (!ops.get(i).isEmpty()) fs.add(run(shards.get(i), ops.get(i)));
        }
        collect(fs, touched);
    }

    /** Campaigns and lists are in every shard. */
    private Set<Qualified> syncGlobals() {
        Map<String, Fact> next = new HashMap<>();
        graph.globalFacts().forEach(f -> next.put(f.key(), f));
        List<FactOp> ops = new ArrayList<>();
        globals.keySet().stream().filter(k -> !next.containsKey(k)).forEach(k -> ops.add(new FactOp.Remove(k)));
        next.values().forEach(f -> ops.add(new FactOp.Put(f)));
        globals = next;
        Set<Qualified> touched = new HashSet<>();
        List<Future<ShardOutcome>> fs = new ArrayList<>();
        for (Shard s : shards) fs.add(run(s, ops));
        collect(fs, touched);
        return touched;
    }

    private Future<ShardOutcome> run(Shard s, List<FactOp> ops) {
        return shardThreads.get(s.index).submit(() -> s.apply(ops));
    }

    private void collect(List<Future<ShardOutcome>> futures, Set<Qualified> touched) {
        for (Future<ShardOutcome> f : futures) {
            try {
                ShardOutcome o = f.get();
                touched.addAll(o.touched());
                o.issues().forEach(stats::issue);
                stats.fired(o.fired());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("shard failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** Nets the touched qualifications across shards against what was last reported. */
    private void report(Set<Qualified> touched, Map<String, PersonSnapshot> people, long upTo, String cause) {
        List<MembershipDelta> deltas = new ArrayList<>();
        for (Qualified q : touched) {
            boolean now = false;
            for (Shard s : shards) {
                if (s.isQualified(q)) {
                    now = true;
                    break;
                }
            }
            boolean before = known.contains(q);
            if (now != before) {
                deltas.add(new MembershipDelta(q.segmentId(), q.personId(), now));
                if (now) known.add(q);
                else known.remove(q);
            }
        }
        deltas.sort(Comparator.comparing(MembershipDelta::segmentId).thenComparing(MembershipDelta::personId));
        if (!deltas.isEmpty() || !people.isEmpty()) sink.apply(new Round(upTo, clock.instant(), deltas, people, cause));
        stats.setSizes(placements.size(), known.size());
    }

    /** Facts in all sessions (reads shard maps without their threads: for metrics only). */
    public long factCount() {
        long n = 0;
        for (Shard s : shards) n += s.factCount();
        return n;
    }
}
