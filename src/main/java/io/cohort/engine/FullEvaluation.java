package io.cohort.engine;

import io.cohort.identity.ProfileGraph;
import io.cohort.model.Qualified;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * Evaluates everyone of a profile graph with a rule set at one instant, the way the engine does
 * (neighbourhoods in batches, faulty rules isolated), and activates nothing: for rule tests, the
 * preview of a draft, the one-shot evaluate command and the reference of the tests.
 */
public final class FullEvaluation {
    private static final int CHUNK = 500;

    /**
     * @param members segment id → its members' ids, sorted
     * @param people  the members, as the audience stage sees them
     * @param issues  what the rules did wrong (throwing conditions, budgets)
     * @param undecided the segments a budget stopped for some people (their rule left out, see
     *                  {@code issues}): their members are only of the other people
     */
    public record Outcome(Map<String, Set<String>> members, Map<String, PersonSnapshot> people, List<RuntimeIssue> issues,
                          Set<String> undecided) {
        public Set<String> members(String segment) { return members.getOrDefault(segment, Set.of()); }

        public Set<Qualified> qualified() {
            Set<Qualified> out = new HashSet<>();
            members.forEach((s, ps) -> ps.forEach(p -> out.add(new Qualified(s, p))));
            return out;
        }
    }

    private FullEvaluation() {}

    /** Evaluates every segment of {@code book} on this thread. */
    public static Outcome run(ProfileGraph graph, RuleBook book, Instant now, Duration eventRetention) {
        return run(graph, book, book.segments().keySet(), now, eventRetention, Budget.DEFAULT, null, () -> false, false);
    }

    /**
     * Some segments for everyone (a draft's preview), the people their rules' own conditions do
     * not match left out of the whole evaluation, as the engine's sweeps do ({@link RuleBook#candidatesOf}).
     *
     * @param pool      where batches run in parallel (null: on this thread)
     * @param cancelled polled between batches; true stops the run with a CancellationException
     */
    public static Outcome run(ProfileGraph graph, RuleBook book, Set<String> segments, Instant now, Duration eventRetention,
                              Budget budget, ExecutorService pool, BooleanSupplier cancelled) {
        return run(graph, book, segments, now, eventRetention, budget, pool, cancelled, true);
    }

    private static Outcome run(ProfileGraph graph, RuleBook book, Set<String> segments, Instant now, Duration eventRetention,
                               Budget budget, ExecutorService pool, BooleanSupplier cancelled, boolean ownConditionsFirst) {
        List<RuntimeIssue> issues = Collections.synchronizedList(new ArrayList<>());
        RuleState state = new RuleState(book);
        Evaluation ev = Evaluation.oneShot(graph, state, now, now.minus(eventRetention), budget, i -> {
            synchronized (issues) {
                issues.removeIf(x -> x.kind().equals(i.kind()) && x.rule().equals(i.rule()));
                issues.add(i);
            }
        }, ownConditionsFirst ? book.candidatesOf(segments).orElse(null) : null);
        Set<String> undecided = Collections.synchronizedSet(new TreeSet<>());
        List<String> people = graph.personIds();
        Map<String, Set<String>> members = new TreeMap<>();
        Map<String, PersonSnapshot> snapshots = new HashMap<>();
        List<Future<Evaluation.Result>> running = new ArrayList<>();
        for (int from = 0; from < people.size() || from == 0; from += CHUNK) {
            if (cancelled.getAsBoolean()) throw new CancellationException("cancelled");
            List<String> chunk = people.subList(Math.min(from, people.size()), Math.min(people.size(), from + CHUNK));
            if (pool == null) {
                add(ev.run(chunk, segments), segments, members, snapshots, undecided);
            } else {
                running.add(pool.submit(() -> {
                    if (cancelled.getAsBoolean()) throw new CancellationException("cancelled");
                    return ev.run(chunk, segments);
                }));
            }
            if (people.isEmpty()) break;
        }
        for (Future<Evaluation.Result> f : running) {
            try {
                add(f.get(), segments, members, snapshots, undecided);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof CancellationException c) throw c;
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        members.replaceAll((k, v) -> Collections.unmodifiableSet(v));
        return new Outcome(members, snapshots, List.copyOf(issues), Set.copyOf(undecided));
    }

    private static void add(Evaluation.Result r, Set<String> segments, Map<String, Set<String>> members,
                            Map<String, PersonSnapshot> snapshots, Set<String> undecided) {
        if (!r.qualified().isEmpty()) for (String s : segments) if (!r.evaluated().contains(s)) undecided.add(s);
        r.qualified().forEach((p, segs) -> {
            if (segs.isEmpty()) return;
            for (String s : segs) members.computeIfAbsent(s, k -> new TreeSet<>()).add(p);
            PersonSnapshot snap = r.people().get(p);
            if (snap != null) snapshots.put(p, snap);
        });
    }
}
