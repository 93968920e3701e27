package io.cohort.engine;

import io.cohort.identity.ProfileGraph;
import io.cohort.identity.Touched;
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
 * Keeps every segment's membership current. The state is the profile graph and the memberships,
 * never a rule session: an accepted batch names the people whose neighbourhood it touched, and
 * those people are evaluated again, in batches of {@code engine.chunkSize}, each batch in a
 * throw-away session on one of {@code engine.workers} threads ({@link Evaluation}). The result is
 * compared with the memberships and the differences go to the {@link MembershipSink}. Time moves
 * memberships through a queue of due times (a person's next event leaving a rule's window) and,
 * for rules that read the time otherwise, a periodic sweep. One coordinator thread orders rounds.
 */
public final class Evaluator implements Managed, RuleTarget {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    /**
     * A round that changed no membership writes the evaluated watermark at most this often: each
     * write is a commit, which H2 (WRITE_DELAY=0) turns into a file write, and a stream of events
     * makes dozens of such rounds a second. A watermark behind the truth is safe: a restart then
     * evaluates what it cannot vouch for.
     */
    private static final long WATERMARK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A long evaluation of everyone logs its progress this often. */
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ProfileGraph graph;
    private final MembershipSink sink;
    private final Clock clock;
    private final EngineConfig config;
    private final ExecutorService coordinator;
    private final ExecutorService workers;
    private final ScheduledExecutorService ticker;
    private final EngineStats stats = new EngineStats();

    // Guarded by `this`: what ingest handed over and is not yet evaluated.
    private final Backlog backlog = new Backlog();
    private boolean scheduled;

    // Confined to the coordinator thread.
    private volatile RuleState state;
    private Memberships members = new Memberships(List.of());
    private volatile boolean stoppedCleanly;
    /** Whether the stored memberships were taken in (they are what {@link #members} starts from). */
    private volatile boolean started;
    /** Segments a sweep in progress has not finished evaluating: left out of the stored state (coordinator only). */
    private Set<String> unfinished = Set.of();
    /** The sweep over everyone in progress, or null (written by the coordinator only). */
    private volatile Sweep sweep;
    private final DueQueue due = new DueQueue();
    private final AtomicLong evaluatedUpTo = new AtomicLong(-1);
    private long checkpointed = -1;
    /** When the watermark was last written (nanoTime; coordinator thread). */
    private long checkpointedNanos = System.nanoTime() - WATERMARK_EVERY_NANOS;
    private boolean watermarkScheduled;
    private Instant lastSweep;
    private Instant lastTick;
    private long[] windows = new long[0];

    public Evaluator(ProfileGraph graph, MembershipSink sink, Clock clock, EngineConfig config) {
        this.graph = graph;
        this.sink = sink;
        this.clock = clock;
        this.config = config;
        this.coordinator = Executors.newSingleThreadExecutor(r -> thread(r, "cohort-evaluator"));
        this.workers = Executors.newFixedThreadPool(config.workers(), r -> thread(r, "cohort-evaluation"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "cohort-clock"));
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Brings the memberships in line with the data and the rules, and starts the clock. Segments
     * whose rules are unchanged since the stored memberships were computed, with every stored
     * batch evaluated, are not evaluated again: a restart costs nothing but loading.
     *
     * @param lastBatch the last batch in the store (its records are in the graph)
     */
    public void start(RuleBook book, long lastBatch) throws Exception {
        FutureTask<Collection<Qualified>> realized = new FutureTask<>(sink::realized);
        realized.run();
        start(book, lastBatch, realized);
    }

    /**
     * @param realized the realized memberships ({@link MembershipSink#realized()}), read by the
     *                 caller, possibly while it loaded the graph
     */
    public void start(RuleBook book, long lastBatch, Future<? extends Collection<Qualified>> realized) throws Exception {
        start(book, lastBatch, realized, Optional.empty());
    }

    /**
     * What changed in the graph since a snapshot of batch {@code batch} (a start that caught the
     * snapshot up with the store): every change applied since, in source terms.
     */
    public record Since(long batch, Touched touched) {}

    /**
     * @param since when the graph is a snapshot caught up with the store: what the catch-up
     *              touched. When the stored memberships are of a batch the snapshot holds, the
     *              batches not yet evaluated (a crash) are evaluated for the people they reach,
     *              instead of for everyone.
     */
    public void start(RuleBook book, long lastBatch, Future<? extends Collection<Qualified>> realized, Optional<Since> since)
            throws Exception {
        boolean trusted = coordinator.submit(() -> {
            Instant now = clock.instant();
            // From now on events past retention are neither held nor evaluated.
            Set<String> pruned = graph.pruneEvents(now.minusMillis(config.eventRetention().toMilliseconds()));
            members = new Memberships(Futures.get(realized));
            started = true;
            EngineState stored = sink.state();
            RuleState next = new RuleState(book);
            boolean behind = stored.evaluatedUpTo() < lastBatch;
            // Behind with the memberships after a crash: the catch-up knows what changed since a
            // batch they had evaluated (they are of batch E >= N, the snapshot's; every change of
            // the batches after N was applied and touched), so only the people it reaches are
            // evaluated. Otherwise (a load from the store) nothing says who changed: everyone.
            Optional<Touched> delta = since.filter(x -> behind && stored.evaluatedUpTo() >= x.batch()).map(Since::touched);
            Set<String> stale = behind && delta.isEmpty() ? book.segments().keySet() : changed(stored.signatures(), book);
            LOG.info("evaluation at start: {} of {} segments ({}){}; stored memberships evaluated up to batch {}, store at {}",
                    stale.size(), book.segments().size(), stale.isEmpty() ? "rules and data unchanged"
                            : behind && delta.isEmpty() ? "batches not yet evaluated" : "rules changed",
                    delta.isPresent() ? ", the rest for the people the batches since the snapshot reach" : "",
                    stored.evaluatedUpTo(), lastBatch);
            // Rounds before the catch-up below keep the stored clock: a crash during the start
            // leaves the windows to be caught up again.
            boolean clockKnown = stored.clockAt() >= 0 && stored.clockAt() <= now.toEpochMilli();
            lastTick = clockKnown ? Instant.ofEpochMilli(stored.clockAt()) : now;
            lastSweep = stored.sweptAt() >= 0 && stored.sweptAt() <= now.toEpochMilli() ? Instant.ofEpochMilli(stored.sweptAt()) : null;
            install(next);
            exitRemoved(book, "start", lastBatch);
            if (!stale.isEmpty()) evaluateAll(next, stale, "start", lastBatch);
            if (delta.isPresent() && stale.size() < book.segments().size()) {
                Set<String> rest = new TreeSet<>(book.segments().keySet());
                rest.removeAll(stale);
                List<String> people = new ArrayList<>(graph.affected(delta.get(), book.shape().depth()));
                long t0 = System.nanoTime();
                // In rounds, as a sweep (days of batches since the snapshot can reach most people),
                // stored as unfinished until the start's checkpoint.
                unfinished(rest, () -> {
                    for (int from = 0; from < people.size(); from += config.roundSize()) {
                        evaluate(next, people.subList(from, Math.min(people.size(), from + config.roundSize())), rest, "start",
                                lastBatch, false);
                    }
                });
                LOG.info("evaluation at start: {} people reached by the batches since the snapshot evaluated for {} segments in {} ms",
                        people.size(), rest.size(), (System.nanoTime() - t0) / 1_000_000);
            }
            Set<String> timed = new TreeSet<>();
            if (lastSweep == null || !now.isBefore(lastSweep.plusMillis(config.clockSweep().toMilliseconds()))) {
                timed.addAll(clockDependent(book));
                lastSweep = now;
            }
            // Stores from before the engine kept its clock: windows are caught up the long way, once.
            if (!clockKnown) book.shape().segments().forEach((id, sh) -> { if (sh.windowed()) timed.add(id); });
            timed.removeAll(stale);
            if (!timed.isEmpty()) evaluateAll(next, timed, "clock", lastBatch);
            if (stale.size() < book.segments().size()) {
                // Windows that passed while the service was down: due from the stored clock.
                dueForEveryone(lastTick.toEpochMilli());
                if (clockKnown) catchUp(next, lastTick, now, pruned, lastBatch);
            }
            lastTick = now;
            evaluatedUpTo.set(lastBatch);
            checkpoint(true);
            return stale.size() < book.segments().size();
        }).get();
        if (!config.manualClock()) {
            long ms = config.tick().toMilliseconds();
            ticker.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
        }
        long check = config.consistencyCheck().toMilliseconds();
        if (check > 0 && config.consistencySample() > 0) {
            ticker.scheduleWithFixedDelay(() -> coordinator.execute(this::consistencyCheck), check, check, TimeUnit.MILLISECONDS);
        }
        if (trusted && check > 0 && config.consistencySampleAtStart() > 0) checkAfterStart(START_CHECK_ATTEMPTS);
    }

    private static final int START_CHECK_ATTEMPTS = 12;

    /**
     * The consistency check right after a start that trusted stored memberships. Batches buffered
     * during the load arrive just after the start, and a check waits for none to be on its way:
     * tried again every 5 s, up to {@code attempts} times.
     */
    private void checkAfterStart(int attempts) {
        try {
            ticker.schedule(() -> coordinator.execute(() -> {
                long t0 = System.nanoTime();
                Optional<Checked> checked = check(config.consistencySampleAtStart());
                if (checked.isEmpty()) {
                    if (attempts > 1) checkAfterStart(attempts - 1);
                    else LOG.info("consistency check after start: not run, batches kept arriving; the periodic check follows");
                    return;
                }
                LOG.info("consistency check after start: {} people evaluated afresh, {} difference(s), in {} ms",
                        checked.get().people(), checked.get().differences(), (System.nanoTime() - t0) / 1_000_000);
            }), attempts == START_CHECK_ATTEMPTS ? 0 : 5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    /** The rules the engine will start with: known to the API before the start-up evaluation. */
    public void prepare(RuleBook book) {
        if (state == null) install(new RuleState(book));
    }

    @Override public void start() {}

    @Override public void stop() throws InterruptedException {
        ticker.shutdownNow();
        coordinator.submit(() -> checkpoint(true));
        coordinator.shutdown();
        stoppedCleanly = coordinator.awaitTermination(30, TimeUnit.SECONDS);
        workers.shutdownNow();
    }

    /**
     * After a stop that finished every round: each person's realized segments, as the audience
     * stage stored them (the engine changes its own only once a round is committed). False, and
     * nothing visited, when the engine never started or a round may still be running.
     */
    public boolean forEachMembershipAfterStop(java.util.function.BiConsumer<String, String[]> each) {
        if (!membershipsFinal()) return false;
        members.forEach(each);
        return true;
    }

    /** Whether {@link #forEachMembershipAfterStop} visits the memberships: the engine started and its stop finished every round. */
    public boolean membershipsFinal() { return stoppedCleanly && started; }

    /** Hands over what an accepted batch touched; evaluation follows asynchronously, coalesced. */
    public void submit(Touched touched, long batchSeq) {
        synchronized (this) {
            backlog.batch(touched, batchSeq);
            stats.markPending(System.nanoTime());
            if (scheduled) return;
            scheduled = true;
        }
        coordinator.execute(this::drain);
    }

    /**
     * Applies a new rule set: segments whose rules changed are evaluated for everyone with it,
     * segments that are gone lose their members, and every other segment keeps its members without
     * a blink. Returns when the new memberships are stored.
     */
    @Override public Future<?> reload(RuleBook next) {
        return coordinator.submit(() -> {
            RuleState old = state;
            Set<String> stale = changed(old.book().signatures(), next);
            RuleState fresh = new RuleState(next);
            long upTo = evaluatedUpTo.get();
            if (!stale.isEmpty()) evaluateAll(fresh, stale, "rules", upTo);
            install(fresh);
            exitRemoved(next, "rules", upTo);
            if (!Arrays.equals(windows, old.book().shape().windows())) dueForEveryone();
            checkpoint(true);
            LOG.info("rules {} applied: {} segment(s) evaluated again ({}), {} unchanged", next.version(), stale.size(),
                    String.join(", ", stale), next.segments().size() - stale.size());
        });
    }

    /** Evaluates everyone for every segment with the running rules (the re-evaluate task). */
    public Future<?> reevaluate() {
        return coordinator.submit(() -> {
            RuleState fresh = new RuleState(state.book());
            install(fresh);
            evaluateAll(fresh, fresh.book().segments().keySet(), "re-evaluate", evaluatedUpTo.get());
            dueForEveryone();
            checkpoint(true);
        });
    }

    /** Moves time forward: events past retention go, people whose window edge passed are evaluated. */
    public void tick() {
        coordinator.execute(() -> {
            try {
                Instant now = clock.instant();
                if (lastTick != null && now.isBefore(lastTick)) {
                    // Only a manual clock goes back (tests, demos): windows reopen for anyone.
                    lastTick = now;
                    timeWentBack(now);
                    return;
                }
                // Not while a checkpoint reads the graph (ops.Checkpoints): the readers of the APIs would
                // queue behind this write; the next tick prunes, and evaluates whom that changes.
                Set<String> pruned = graph.pruneEventsUnlessBusy(now.minusMillis(config.eventRetention().toMilliseconds()),
                        java.time.Duration.ofMillis(50)).orElse(Set.of());
                RuleState s = state;
                if (lastSweep == null || !now.isBefore(lastSweep.plusMillis(config.clockSweep().toMilliseconds()))) {
                    Set<String> clocked = clockDependent(s.book());
                    if (!clocked.isEmpty()) evaluateAll(s, clocked, "clock", evaluatedUpTo.get());
                    lastSweep = now;
                }
                catchUp(s, lastTick == null ? now : lastTick, now, pruned, evaluatedUpTo.get());
                // Stored only now: a crash before this point catches these windows up again.
                lastTick = now;
                checkpoint(true);
            } catch (RuntimeException e) {
                LOG.error("clock tick failed", e);
            }
        });
    }

    /**
     * Evaluates the people whose answers time may have changed between {@code from} and {@code to}:
     * those whose events left a window, whose events went past retention, and who see a deal whose
     * watched date crossed a rule's offset (with, when rules look that far, the people who see them).
     */
    private void catchUp(RuleState s, Instant from, Instant to, Set<String> pruned, long upTo) {
        Set<String> people = new HashSet<>(pruned);
        people.addAll(due.pollUntil(to.toEpochMilli()));
        int depth = s.book().shape().depth();
        // A person's events leaving a window change what their colleagues see, when rules look that far.
        if (depth >= 2 && !people.isEmpty()) people.addAll(graph.affected(Touched.ofPeople(people), depth));
        Map<String, long[]> fields = s.book().shape().fieldWindows();
        if (!fields.isEmpty()) {
            Touched crossed = graph.timeCrossings(fields, from.toEpochMilli(), to.toEpochMilli());
            if (!crossed.isEmpty()) people.addAll(graph.affected(crossed, depth));
        }
        if (!people.isEmpty()) evaluate(s, people, s.book().segments().keySet(), "clock", upTo, false);
    }

    /** Every segment that depends on time is evaluated for everyone at the earlier time. */
    private void timeWentBack(Instant now) {
        RuleState s = state;
        Set<String> timed = clockDependent(s.book());
        // Events between the new time and the old are ahead of the clock again: segments reading events too.
        s.book().shape().segments().forEach((id, sh) -> { if (sh.windowed() || sh.readsEvents()) timed.add(id); });
        LOG.info("the clock went back to {}: {} time-dependent segment(s) evaluated again", now, timed.size());
        if (!timed.isEmpty()) evaluateAll(s, timed, "clock", evaluatedUpTo.get());
        lastSweep = now;
        dueForEveryone(now.toEpochMilli());
        checkpoint(true);
    }

    /** Waits until everything submitted before this call is evaluated. */
    public void awaitIdle(java.time.Duration timeout) throws Exception {
        coordinator.submit(() -> {}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (this) {
            if (!scheduled) return;
        }
        coordinator.submit(() -> {}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Evaluates a sample of people afresh and compares; see {@link #consistencyCheck(int)}. */
    public Future<Integer> checkConsistency(int sample) {
        return coordinator.submit(() -> consistencyCheck(sample));
    }

    public RuleBook ruleBook() { return state == null ? null : state.book(); }

    /** The sweep over everyone in progress (a rule edit's, say), if any. */
    public Optional<Sweep> sweep() { return Optional.ofNullable(sweep); }

    public RuleState ruleState() { return state; }

    public long evaluatedUpTo() { return evaluatedUpTo.get(); }

    public EngineStats stats() { return stats; }

    /** Members of each segment as the engine knows them (for metrics; read without the coordinator). */
    public int memberships() { return stats.realized(); }

    private void install(RuleState s) {
        state = s;
        windows = s.book().shape().windows();
    }

    private void drain() {
        Backlog.Work work;
        synchronized (this) {
            work = backlog.take();
            scheduled = false;
        }
        long started = System.nanoTime();
        RuleState s = state;
        try {
            int depth = s.book().shape().depth();
            // People who see only new events (most of a stream): only segments matching an Activity can change.
            ProfileGraph.Reach reach = graph.reach(work.touched(), depth);
            Set<String> subjects = new HashSet<>(work.people());
            subjects.addAll(reach.people());
            Set<String> byEvents = new HashSet<>(reach.byEvents());
            byEvents.removeAll(subjects);
            Set<String> eventSegments = s.book().eventSegments();
            if (!byEvents.isEmpty() && !eventSegments.isEmpty()) {
                // The round that ends the work carries its batch: a crash between the two redoes both.
                evaluate(s, byEvents, eventSegments, "ingest", subjects.isEmpty() ? work.upTo() : evaluatedUpTo.get(), false);
            }
            evaluate(s, subjects, s.book().segments().keySet(), "ingest", work.upTo(), false);
            evaluatedUpTo.set(Math.max(evaluatedUpTo.get(), work.upTo()));
            checkpoint(false);
        } catch (RuntimeException e) {
            // The database away (a restart, a failover): one line a second, not a stack.
            io.cohort.store.TransientFailures.reason(e).ifPresentOrElse(
                    why -> LOG.warn("evaluation round not stored: the database could not complete it now ({}); it is retried in a second", why),
                    () -> LOG.error("evaluation round failed; it is retried in a second", e));
            synchronized (this) {
                backlog.putBack(work);
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

    /** People to evaluate in a coming round (called on the coordinator thread). */
    private void later(Collection<String> people) {
        synchronized (this) {
            backlog.people(people);
            if (scheduled) return;
            scheduled = true;
        }
        coordinator.execute(this::drain);
    }

    /**
     * Runs {@code sweep}, whose rounds each store part of an evaluation of {@code segments}: the
     * engine state those rounds store leaves the segments' signatures out, so that a process that
     * dies half-way has its next start evaluate them again (they carried the new rules' signatures,
     * and a start after a crash in a rule edit kept the half-updated members as evaluated). Who
     * ends the sweep stores the whole state (a checkpoint, or the next round).
     */
    private void unfinished(Set<String> segments, Runnable sweep) {
        Set<String> before = unfinished;
        Set<String> during = new HashSet<>(before);
        during.addAll(segments);
        unfinished = Set.copyOf(during);
        try {
            sweep.run();
        } finally {
            unfinished = before;
        }
    }

    /** Everyone (and every member the graph no longer has) for some segments, in rounds. */
    private void evaluateAll(RuleState s, Set<String> segments, String cause, long upTo) {
        unfinished(segments, () -> sweep(s, segments, cause, upTo));
    }

    private void sweep(RuleState s, Set<String> segments, String cause, long upTo) {
        long started = System.nanoTime();
        // Everyone's ids are made from their keys by the workers, each for its chunk: made here,
        // a million strings were 0.4 s of a 1M rule edit's serial start, the workers idle.
        // A lookup per member, not a set of everyone: that set was 0.7 s more.
        List<String> people = new Joined(graph.personIds(), members.missingFrom(graph));
        int size = config.roundSize();
        int rounds = (people.size() + size - 1) / size;
        Candidates candidates = config.ownConditionsFirst() ? s.book().candidatesOf(segments).orElse(null) : null;
        long passedBefore = candidates == null ? 0 : candidates.passed().sum();
        Dispatched next = rounds == 0 ? null : dispatch(s, round(people, 0, size), segments, candidates);
        long logged = started;
        Sweep progress = new Sweep(cause, s.book().version(), List.copyOf(new TreeSet<>(segments)), clock.instant(),
                people.size(), 0);
        sweep = progress;
        try {
            for (int i = 0; i < rounds; i++) {
                Dispatched current = next;
                // The workers start on the next round while this one is compared and handed to the
                // sink: done one after the other, both workers waited for that a quarter of a 1M
                // rule edit. Evaluating reads only the graph and the rules, never the memberships.
                next = i + 1 < rounds ? dispatch(s, round(people, i + 1, size), segments, candidates) : null;
                collect(current, cause, upTo, false);
                progress = progress.done((i + 1) * size);
                sweep = progress;
                if (rounds > 1 && i + 1 < rounds && System.nanoTime() - logged >= PROGRESS_EVERY_NANOS) {
                    logged = System.nanoTime();
                    int done = (i + 1) * size;
                    LOG.info("evaluated {} of {} people ({}%) for {} segment(s)", done, people.size(),
                            done * 100L / people.size(), segments.size());
                }
            }
        } finally {
            if (next != null) next.cancel(); // a failed round: the one started behind it is not wanted
            sweep = null;
        }
        LOG.info("evaluated {} people for {} segment(s) in {} ms ({}{})", people.size(), segments.size(),
                (System.nanoTime() - started) / 1_000_000, cause, candidates == null ? ""
                        : "; " + (candidates.passed().sum() - passedBefore) + " passed their own conditions and were evaluated whole");
    }

    private static List<String> round(List<String> people, int i, int size) {
        return people.subList(i * size, Math.min(people.size(), (i + 1) * size));
    }

    /** Subjects handed to the workers in chunks, with what {@link #collect} needs to finish them. */
    private record Dispatched(RuleState state, Collection<String> subjects, Set<String> segments, Instant now,
                              List<Future<Evaluation.Result>> futures) {
        void cancel() { futures.forEach(f -> f.cancel(false)); }
    }

    /**
     * Evaluates {@code subjects} for {@code segments}, reports the differences from the current
     * memberships as one round, and records each person's next due time.
     *
     * @return the number of memberships that changed
     */
    private int evaluate(RuleState s, Collection<String> subjects, Set<String> segments, String cause, long upTo,
                         boolean reportDifferences) {
        if (subjects.isEmpty()) return 0;
        return collect(dispatch(s, subjects, segments, null), cause, upTo, reportDifferences);
    }

    /**
     * Hands {@code subjects} to the workers in chunks of {@code engine.chunkSize}.
     *
     * @param candidates the segments' rules cut down to the person's own conditions, tried first (null: none)
     */
    private Dispatched dispatch(RuleState s, Collection<String> subjects, Set<String> segments, Candidates candidates) {
        Instant now = clock.instant();
        Instant since = now.minusMillis(config.eventRetention().toMilliseconds());
        Evaluation evaluation = new Evaluation(graph, s, now, since, config.budget(), stats::issue, config.sessionPool(), candidates);
        // A list is not changed while its chunks are evaluated (evaluateAll's never is; evaluate's
        // waits for them): each chunk is copied by its worker, where a lazy list's ids are made.
        List<String> ordered = subjects instanceof List<String> list ? list : new ArrayList<>(subjects);
        List<Future<Evaluation.Result>> futures = new ArrayList<>();
        for (int from = 0; from < ordered.size(); from += config.chunkSize()) {
            List<String> chunk = ordered.subList(from, Math.min(ordered.size(), from + config.chunkSize()));
            futures.add(workers.submit(() -> evaluation.run(List.copyOf(chunk), segments)));
        }
        return new Dispatched(s, subjects, segments, now, futures);
    }

    /**
     * Waits for a dispatched evaluation, compares it with the memberships, hands the differences to
     * the sink as one round and records each person's next due time (on the coordinator thread).
     *
     * @return the number of memberships that changed
     */
    private int collect(Dispatched d, String cause, long upTo, boolean reportDifferences) {
        RuleState s = d.state();
        Collection<String> subjects = d.subjects();
        Set<String> segments = d.segments();
        Instant now = d.now();
        List<Future<Evaluation.Result>> futures = d.futures();
        List<MembershipDelta> deltas = new ArrayList<>();
        // Each changed person's segments after this round: taken over only once the sink has them.
        Map<String, Set<String>> after = new HashMap<>();
        Map<String, PersonSnapshot> people = new HashMap<>();
        List<String> gone = new ArrayList<>();
        Set<String> evaluatedEverywhere = null;
        int fired = 0;
        for (Future<Evaluation.Result> f : futures) {
            Evaluation.Result r = Futures.get(f);
            fired += r.fired();
            if (evaluatedEverywhere == null) evaluatedEverywhere = new TreeSet<>(r.evaluated());
            else evaluatedEverywhere.retainAll(r.evaluated());
            gone.addAll(r.gone());
            r.qualified().forEach((person, qualified) -> {
                int before = deltas.size();
                diff(person, qualified, r.evaluated(), deltas, after);
                // The audience stage needs the people whose memberships changed, and every member
                // (to notice a consent change).
                if (deltas.size() > before || !members.of(person).isEmpty()) {
                    PersonSnapshot snap = r.people().get(person);
                    if (snap != null) people.put(person, snap);
                }
            });
        }
        // Subjects without a record any more qualify for nothing.
        for (String p : gone) diff(p, Set.of(), evaluatedEverywhere, deltas, after);
        stats.evaluated(subjects.size(), fired);
        // Due times are about event windows: only an evaluation that covers every segment reading
        // events may move a person on to their next edge. A rule edit or a sweep of a few other
        // segments leaves them due for the clock (and saves a window walk per person).
        if (windows.length > 0 && segments.containsAll(s.book().eventSegments())) {
            long nowMs = now.toEpochMilli();
            List<String> overdue = new ArrayList<>();
            for (String p : subjects) {
                if (due.isDue(p, nowMs)) overdue.add(p);
                due.set(p, graph.nextWindowEdge(p, nowMs, windows));
            }
            // Their events left a window while they were due: people who see them two steps away
            // must be told too, as the clock tick would have (it no longer finds them due).
            if (!overdue.isEmpty() && s.book().shape().depth() >= 2) {
                Set<String> colleagues = graph.affected(Touched.ofPeople(overdue), s.book().shape().depth());
                colleagues.removeAll(subjects);
                if (!colleagues.isEmpty()) later(colleagues);
            }
        }
        if (reportDifferences && !deltas.isEmpty()) {
            stats.inconsistent(deltas.size());
            LOG.warn("consistency check: {} membership(s) differ from a fresh evaluation and are corrected, e.g. {}", deltas.size(),
                    deltas.subList(0, Math.min(5, deltas.size())));
        }
        deltas.sort(Comparator.comparing(MembershipDelta::segmentId).thenComparing(MembershipDelta::personId));
        // Members are handed over even without a change: their consent may have changed.
        if (!deltas.isEmpty() || !people.isEmpty()) {
            // Changes always carry the watermark (same commit); members alone only when it is due.
            boolean withState = !deltas.isEmpty() || watermarkDue();
            sink.apply(new Round(upTo, now, deltas, people, cause, withState ? engineState(s, upTo) : null));
            if (withState) stored(upTo);
        }
        // Only now: a round the sink refused (its database away) leaves the memberships as the sink
        // has them, so the retry finds the same differences instead of none.
        after.forEach(members::set);
        stats.setSizes(members.total());
        return deltas.size();
    }

    /** Adds a person's differences to {@code deltas} and their segments after them to {@code after}. */
    private void diff(String person, Set<String> qualified, Set<String> evaluated, List<MembershipDelta> deltas,
                      Map<String, Set<String>> after) {
        Set<String> before = members.of(person);
        Set<String> changed = null; // most people change nothing: no copy for them
        for (String seg : evaluated) {
            boolean now = qualified.contains(seg);
            if (now != before.contains(seg)) {
                deltas.add(new MembershipDelta(seg, person, now));
                if (changed == null) changed = new TreeSet<>(before);
                if (now) changed.add(seg);
                else changed.remove(seg);
            }
        }
        if (changed != null) after.put(person, changed);
    }

    private void exitRemoved(RuleBook book, String cause, long upTo) {
        List<MembershipDelta> deltas = new ArrayList<>();
        Map<String, Set<String>> after = new HashMap<>();
        for (String seg : Set.copyOf(members.segments())) {
            if (book.segments().containsKey(seg)) continue;
            for (String p : members.membersOf(seg)) {
                deltas.add(new MembershipDelta(seg, p, false));
                after.computeIfAbsent(p, k -> new TreeSet<>(members.of(k))).remove(seg);
            }
        }
        if (!deltas.isEmpty()) {
            LOG.info("{} membership(s) of segments no rule declares any more exit", deltas.size());
            sink.apply(new Round(upTo, clock.instant(), deltas, Map.of(), cause, engineState(state, upTo)));
        }
        after.forEach(members::set); // as in collect: only what the sink took
        // Held by nobody now: not scanned for again at every later rule change.
        members.forget(book.segments().keySet());
        stats.setSizes(members.total());
    }

    /** Segments whose rules differ from what the stored memberships were computed with. */
    private static Set<String> changed(Map<String, String> stored, RuleBook book) {
        Set<String> out = new TreeSet<>();
        book.signatures().forEach((seg, sig) -> { if (!sig.equals(stored.get(seg))) out.add(seg); });
        return out;
    }

    private static Set<String> clockDependent(RuleBook book) {
        Set<String> out = new TreeSet<>();
        book.shape().segments().forEach((id, sh) -> { if (sh.clockDependent()) out.add(id); });
        return out;
    }

    private void dueForEveryone() { dueForEveryone(clock.millis()); }

    /** Each person's next window edge after {@code from} (edges up to now are then due at once). */
    private void dueForEveryone(long from) {
        due.clear();
        if (windows.length == 0) return;
        ProfileGraph.WindowEdges edges = graph.nextWindowEdges(from, windows);
        due.reset(edges.people(), edges.edges());
    }

    /**
     * The safety net: people sampled at random (members and others) are evaluated afresh; any
     * membership that differs from what incremental evaluation left is counted, logged and corrected.
     */
    private int consistencyCheck() { return consistencyCheck(config.consistencySample()); }

    private int consistencyCheck(int sample) { return check(sample).map(Checked::differences).orElse(0); }

    private record Checked(int people, int differences) {}

    /** How many were checked and differed; empty when the check did not run (no rules yet, or a batch on its way). */
    private Optional<Checked> check(int sample) {
        RuleState s = state;
        if (s == null) return Optional.empty();
        int everyone = graph.personCount();
        Set<String> pending;
        synchronized (this) {
            pending = backlog.peopleCopy();
            if (backlog.hasBatches()) return Optional.empty(); // a batch is on its way: check another time
        }
        Random random = new Random();
        Set<String> subjects = new HashSet<>();
        int memberCount = members.peopleCount();
        long now = clock.millis();
        List<String> candidates = new ArrayList<>();
        if (sample >= everyone + memberCount) {
            // A small graph: everyone and every member (some may have left the graph), not draws that may miss one.
            candidates.addAll(graph.personIdsUnordered());
            candidates.addAll(members.people());
        } else if (everyone > 0) {
            // Every other draw a member, the rest anyone with a record (ids made for those drawn only).
            int fromMembers = memberCount == 0 ? 0 : (sample + 1) / 2;
            candidates.addAll(members.randomPeople(fromMembers, random));
            candidates.addAll(graph.randomPeople(sample - fromMembers, random));
        }
        for (String p : candidates) if (!pending.contains(p) && !due.isDue(p, now)) subjects.add(p);
        int differences = evaluate(s, subjects, s.book().segments().keySet(), "consistency", evaluatedUpTo.get(), true);
        stats.checked(subjects.size());
        return Optional.of(new Checked(subjects.size(), differences));
    }

    private void checkpoint(boolean force) {
        long upTo = evaluatedUpTo.get();
        if (state == null || upTo < 0 || upTo == checkpointed && !force) return;
        if (!force && !watermarkDue()) {
            writeWatermarkLater();
            return;
        }
        sink.checkpoint(engineState(state, upTo));
        stored(upTo);
    }

    private boolean watermarkDue() { return System.nanoTime() - checkpointedNanos >= WATERMARK_EVERY_NANOS; }

    private void stored(long upTo) {
        checkpointed = upTo;
        checkpointedNanos = System.nanoTime();
    }

    /** Once the watermark is due again, writes it if no round did meanwhile (a stream that stopped). */
    private void writeWatermarkLater() {
        if (watermarkScheduled) return;
        watermarkScheduled = true;
        try {
            ticker.schedule(() -> coordinator.execute(() -> {
                watermarkScheduled = false;
                checkpoint(false);
            }), WATERMARK_EVERY_NANOS, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            watermarkScheduled = false; // stopping: stop() writes it
        }
    }

    private EngineState engineState(RuleState s, long upTo) {
        Map<String, String> signatures = s.book().signatures();
        if (!unfinished.isEmpty()) {
            signatures = new TreeMap<>(signatures);
            signatures.keySet().removeAll(unfinished);
        }
        return new EngineState(s.book().version(), signatures, upTo,
                lastTick == null ? -1 : lastTick.toEpochMilli(), lastSweep == null ? -1 : lastSweep.toEpochMilli());
    }

    /** Two lists read as one, neither changed while it is read. */
    private static final class Joined extends AbstractList<String> implements RandomAccess {
        private final List<String> first;
        private final List<String> second;

        Joined(List<String> first, List<String> second) {
            this.first = first;
            this.second = second;
        }

        @Override public String get(int i) { return i < first.size() ? first.get(i) : second.get(i - first.size()); }

        @Override public int size() { return first.size() + second.size(); }
    }
}
