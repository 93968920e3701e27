package io.cohort.engine;

import io.cohort.engine.sandbox.Deadline;
import io.cohort.identity.FactTypes;
import io.cohort.identity.Neighbourhood;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Instant;
import java.util.*;
import java.util.function.Consumer;
import org.kie.api.KieBase;

/**
 * Evaluates some people, each with their neighbourhood, in throw-away sessions: the unit of work of
 * the engine. A rule that throws or spends a budget is isolated or suspended ({@link RuleState}) and
 * the batch is evaluated again, so one faulty rule changes nothing outside its own segments; the
 * people a throwing condition hits are found by halving the batch, and the segment that spent a
 * budget of several evaluated together by evaluating each on its own.
 */
final class Evaluation {
    /**
     * @param qualified  per subject, the evaluated segments they qualify for now
     * @param evaluated  the segments this result speaks for (the others are held: keep members)
     * @param people     the subjects as the audience stage needs them
     * @param gone       the subjects without a record (they qualify for nothing): told apart here,
     *                   where each chunk's ids are at hand, not by the coordinator for everyone
     */
    record Result(Map<String, Set<String>> qualified, Set<String> evaluated, Map<String, PersonSnapshot> people, int fired,
                  List<String> gone) {
        Result(Map<String, Set<String>> qualified, Set<String> evaluated, Map<String, PersonSnapshot> people, int fired) {
            this(qualified, evaluated, people, fired, List.of());
        }

        private Result withGone(Collection<String> subjects) {
            List<String> out = new ArrayList<>();
            for (String s : subjects) if (!qualified.containsKey(s)) out.add(s);
            return new Result(qualified, evaluated, people, fired, out);
        }
    }

    private final ProfileGraph graph;
    private final RuleState state;
    private final int depth;
    private final Instant now;
    private final Instant eventsSince;
    private final Budget budget;
    private final Consumer<RuntimeIssue> issues;
    private final boolean pooled;
    /** The requested segments' rules cut down to the person's own conditions, or null: evaluate everyone whole. */
    private final Candidates candidates;
    /**
     * False for an evaluation that is thrown away (a preview, a rule test, an explanation): its
     * issues say what this evaluation left out, not that the running rules are suspended.
     */
    private final boolean live;

    Evaluation(ProfileGraph graph, RuleState state, Instant now, Instant eventsSince, Budget budget,
               Consumer<RuntimeIssue> issues) {
        this(graph, state, now, eventsSince, budget, issues, false, null);
    }

    /**
     * @param pooled     evaluate the whole rule set in reset sessions of a pool (engine.sessionPool)
     * @param candidates the requested segments' rules cut down to the qualified person's own
     *                   conditions ({@link RuleBook#candidatesOf}): people it does not qualify are
     *                   not evaluated with their neighbourhood; null to evaluate everyone whole
     */
    Evaluation(ProfileGraph graph, RuleState state, Instant now, Instant eventsSince, Budget budget,
               Consumer<RuntimeIssue> issues, boolean pooled, Candidates candidates) {
        this(graph, state, now, eventsSince, budget, issues, pooled, candidates, true);
    }

    /** An evaluation whose results are shown, not applied: see {@link #live}. */
    static Evaluation oneShot(ProfileGraph graph, RuleState state, Instant now, Instant eventsSince, Budget budget,
                              Consumer<RuntimeIssue> issues, Candidates candidates) {
        return new Evaluation(graph, state, now, eventsSince, budget, issues, false, candidates, false);
    }

    private Evaluation(ProfileGraph graph, RuleState state, Instant now, Instant eventsSince, Budget budget,
                       Consumer<RuntimeIssue> issues, boolean pooled, Candidates candidates, boolean live) {
        this.live = live;
        this.pooled = pooled;
        this.candidates = candidates;
        this.graph = graph;
        this.state = state;
        this.depth = state.book().shape().depth();
        this.now = now;
        this.eventsSince = eventsSince;
        this.budget = budget;
        this.issues = issues;
    }

    /** Evaluates {@code subjects} for the {@code requested} segments. */
    Result run(Collection<String> subjects, Set<String> requested) {
        return evaluate(subjects, requested).withGone(subjects);
    }

    private Result evaluate(Collection<String> subjects, Set<String> requested) {
        if (candidates == null || !state.plan(requested).clean().equals(requested)) return whole(subjects, requested, null);
        // First the people's own facts against the rules cut down to what they ask of the person
        // alone: whoever those do not qualify cannot qualify, and is not built with their
        // accounts, deals and colleagues (most of a sweep's work for a segment of few people).
        Neighbourhood own = graph.ownFacts(subjects, eventsSince, candidates.reads());
        OneShot.Result first = OneShot.run(candidates.kieBase(), state.book(), own.facts(), new Now(now), false, budget(own.facts()));
        // A condition that throws or costs too much is found and isolated by the whole evaluation.
        if (!first.ok()) return whole(subjects, requested, own);
        Set<String> pass = new HashSet<>();
        for (Qualified q : first.qualified()) if (requested.contains(q.segmentId())) pass.add(q.personId());
        List<String> rest = new ArrayList<>();
        for (String s : subjects) if (pass.contains(s)) rest.add(s);
        candidates.passed().add(rest.size());
        // Those who pass are built whole taking their own facts from this build (the graph permitting).
        Result whole = rest.isEmpty() ? null : whole(rest, requested, own);
        Map<String, Set<String>> qualified = new HashMap<>();
        Map<String, PersonSnapshot> people = snapshots(own);
        for (String s : own.subjects()) if (!pass.contains(s)) qualified.put(s, new TreeSet<>());
        people.keySet().removeAll(pass);
        if (whole == null) return new Result(qualified, Set.copyOf(requested), people, first.fired());
        qualified.putAll(whole.qualified());
        people.putAll(whole.people());
        return new Result(qualified, whole.evaluated(), people, first.fired() + whole.fired());
    }

    /**
     * {@code subjects} each evaluated with their neighbourhood.
     *
     * @param known their own facts as a first stage built them, taken where the graph is unchanged (or null)
     */
    private Result whole(Collection<String> subjects, Set<String> requested, Neighbourhood known) {
        if (depthOf(requested) >= 2) {
            // People related to an account or deal over the step-2 limit are evaluated one by one:
            // in a session shared with others of it, each would see the others' relations to it
            // (their own facts), which the limit keeps them from seeing, and the answer would
            // depend on who happened to be evaluated together.
            Set<String> apart = graph.pastStepTwoLimit(subjects);
            if (!apart.isEmpty()) {
                List<Result> parts = new ArrayList<>();
                List<String> rest = new ArrayList<>(subjects);
                rest.removeAll(apart);
                if (!rest.isEmpty()) parts.add(together(rest, requested, known));
                for (String s : apart) parts.add(together(List.of(s), requested, known));
                return merged(parts, requested);
            }
        }
        return together(subjects, requested, known);
    }

    /** The results of parts of one evaluation as one; a segment held by any part is held by all. */
    private static Result merged(List<Result> parts, Set<String> requested) {
        Set<String> evaluated = new TreeSet<>(requested);
        for (Result r : parts) evaluated.retainAll(r.evaluated());
        Map<String, Set<String>> qualified = new HashMap<>();
        Map<String, PersonSnapshot> people = new HashMap<>();
        int fired = 0;
        for (Result r : parts) {
            r.qualified().forEach((person, segs) -> {
                Set<String> kept = new TreeSet<>(segs);
                kept.retainAll(evaluated);
                qualified.put(person, kept);
            });
            people.putAll(r.people());
            fired += r.fired();
        }
        return new Result(qualified, Set.copyOf(evaluated), people, fired);
    }

    /** {@code subjects} in one session (and its retries), for the {@code requested} segments. */
    private Result together(Collection<String> subjects, Set<String> requested, Neighbourhood known) {
        Neighbourhood n = graph.neighbourhood(subjects, depthOf(requested), eventsSince, typesOf(requested), known);
        Map<String, Set<String>> qualified = new HashMap<>();
        for (String s : n.subjects()) qualified.put(s, new TreeSet<>());
        // Segments stopped by a budget that named no rule to suspend: this result cannot speak for them.
        Set<String> unsettled = new TreeSet<>();
        // Segments already evaluated on their own here (after a budget spent together): not again as isolated.
        Set<String> done = new HashSet<>();
        List<String> people = List.copyOf(n.subjects());
        int fired = 0;
        RuleState.Plan plan = state.plan(requested);
        for (int attempt = 0; attempt < 100; attempt++) {
            plan = state.plan(requested);
            if (plan.clean().isEmpty()) break;
            OneShot.Result r = pooled && plan.kieBase() == state.book().kieBase()
                    ? OneShot.run(state.book().sessionsPool(), state.book(), n.facts(), new Now(now), budget(n.facts()))
                    : OneShot.run(plan.kieBase(), state.book(), n.facts(), new Now(now), false, budget(n.facts()));
            fired += r.fired();
            if (r.ok()) {
                collect(r, plan.clean(), qualified);
                break;
            }
            if (r.failure().kind() != OneShot.Failure.Kind.EXCEPTION && plan.clean().size() > 1) {
                // A budget names the rule running when the limit was noticed (at a join's check or
                // between firings), not necessarily the one that spent it: a costly pattern that
                // joins nothing has no check, and another segment's rule would be suspended.
                fired += apart(new TreeSet<>(plan.clean()), r.failure().kind(), people, n.facts(), qualified, unsettled, done,
                        OptionalLong.empty());
                break;
            }
            if (!isolate(r.failure(), "")) {
                // A failure naming no rule: evaluate each clean segment on its own for this batch.
                for (String s : plan.clean()) fired += alone(s, people, n.facts(), qualified, unsettled).fired();
                break;
            }
        }
        plan = state.plan(requested);
        for (String s : plan.isolated()) if (!done.contains(s)) fired += alone(s, people, n.facts(), qualified, unsettled).fired();
        return settled(n, requested, qualified, unsettled, fired);
    }

    /**
     * {@code n}'s subjects for {@code segments} after a run of them together, made by the caller
     * (an explanation's), spent a budget of {@code kind}: each segment evaluated on its own with the
     * same budget, as {@link #apart} does for a batch, at most one run per segment, and none started
     * once {@code stopStarting} ({@link System#nanoTime}) has passed: first those that depend on
     * {@code suspect} (the rule running when the budget ran out, or null), the likeliest culprits,
     * then the rest by id; none of {@code known} (the caller has their results). The result speaks
     * for the segments that finished on their own; one that spends the budget alone has its rule
     * reported by name and file; one not started is not spoken for.
     */
    Result apart(Neighbourhood n, Set<String> segments, OneShot.Failure.Kind kind, long stopStarting, String suspect,
                 Set<String> known) {
        Map<String, Set<String>> qualified = new HashMap<>();
        for (String s : n.subjects()) qualified.put(s, new TreeSet<>());
        Set<String> unsettled = new TreeSet<>();
        // The plan of every segment is the whole book's (no partial KieBase to compile): the known ones are left out here.
        List<String> order = new ArrayList<>(new TreeSet<>(state.plan(segments).clean()));
        order.removeAll(known);
        order.sort(Comparator.comparing(s -> suspect == null || !state.closure(Set.of(s)).contains(suspect))); // stable: by id within
        int fired = apart(new LinkedHashSet<>(order), kind, List.copyOf(n.subjects()), n.facts(), qualified, unsettled,
                new HashSet<>(), OptionalLong.of(stopStarting));
        return settled(n, segments, qualified, unsettled, fired);
    }

    /** The result for {@code requested}: only the segments neither held nor left unsettled are spoken for. */
    private Result settled(Neighbourhood n, Set<String> requested, Map<String, Set<String>> qualified, Set<String> unsettled,
                           int fired) {
        RuleState.Plan plan = state.plan(requested);
        Set<String> evaluated = new TreeSet<>(requested);
        evaluated.removeAll(plan.held());
        evaluated.removeAll(unsettled);
        for (Set<String> segs : qualified.values()) segs.retainAll(evaluated);
        return new Result(qualified, Set.copyOf(evaluated), snapshots(n), fired);
    }

    /**
     * Segments that spent a budget of {@code kind} together, each evaluated on its own with the same
     * budget ({@link #alone}): one that spends it alone has its rule suspended, the others' results
     * stand. When none spends it alone (two that take 60% of it each), nothing is suspended and the
     * segments that spent most alone are evaluated apart from now on ({@link RuleState#markApart}),
     * until what is left together spent at most half the budget: the next batches are not run
     * together to the limit and then again apart. Returns the firings.
     */
    private int apart(Set<String> segments, OneShot.Failure.Kind kind, List<String> people, List<Fact> facts,
                      Map<String, Set<String>> qualified, Set<String> unsettled, Set<String> done, OptionalLong stopStarting) {
        Map<String, Long> spent = new HashMap<>();
        int fired = 0;
        for (String s : segments) {
            if (stopStarting.isPresent() && System.nanoTime() - stopStarting.getAsLong() >= 0) {
                unsettled.add(s); // not started: neither a culprit nor a result
                continue;
            }
            long started = System.nanoTime();
            long allocated = Deadline.allocatedBytes();
            Work w = alone(s, people, facts, qualified, unsettled);
            fired += w.fired();
            done.add(s);
            spent.put(s, switch (kind) {
                case TIME -> System.nanoTime() - started;
                case MEMORY -> allocated < 0 ? 0 : Deadline.allocatedBytes() - allocated;
                case DERIVED -> (long) w.derived();
                default -> (long) w.fired();
            });
        }
        // A segment held or unsettled alone: the budget had its culprit, and the rest go on together.
        // One not started: whether they spend it only together is not known, so nothing is said of it.
        if (!state.plan(segments).held().isEmpty() || segments.stream().anyMatch(unsettled::contains)) return fired;
        Budget b = budget(facts);
        long limit = switch (kind) {
            case TIME -> b.maxNanos();
            case MEMORY -> b.maxBytes();
            case DERIVED -> b.maxDerived();
            default -> b.maxFirings();
        };
        List<String> heaviest = new ArrayList<>(segments);
        heaviest.sort(Comparator.comparing(spent::get).reversed());
        long left = spent.values().stream().mapToLong(Long::longValue).sum();
        Set<String> moved = new TreeSet<>();
        for (String s : heaviest) {
            // At least one: else the next batch would spend the budget together again, and again.
            if (!moved.isEmpty() && (left <= limit / 2 || moved.size() == segments.size() - 1)) break;
            moved.add(s);
            left -= spent.get(s);
        }
        if (!state.markApart(moved)) return fired;
        for (String s : moved) {
            // One issue per rule, under its own file: the console lists a segment's issues by its rule files.
            for (String rule : new TreeSet<>(state.closure(Set.of(s)))) {
                announce(new RuntimeIssue(now, limitKind(kind), rule, state.book().fileOf(rule),
                        "segments " + listed(segments) + " evaluated together spent the budget of one evaluation ("
                        + limitOf(kind, b) + "), none of them on its own: no rule is suspended, and segment '" + s
                        + (live ? "' is evaluated apart from the others (same results, one more session per batch) until the rules are reloaded"
                        : "' was evaluated apart from the others: its result here is its own evaluation's")));
            }
        }
        return fired;
    }

    /**
     * How far from each person the requested segments look (their rules and what those derive from,
     * as the sandbox worked out): a rule edit or a time window evaluates a few segments for many
     * people, and a neighbourhood of the depth the whole rule set needs was most of that work.
     */
    int depthOf(Set<String> requested) {
        if (requested.containsAll(state.book().segments().keySet())) return depth;
        int d = 0;
        for (String s : requested) {
            var shape = state.book().shape().segment(s);
            if (shape.isEmpty()) return depth;
            d = Math.max(d, shape.get().level());
            if (d >= depth) return depth;
        }
        return d;
    }

    /**
     * The kinds of fact the requested segments' rules match: a segment evaluated alone (a rule edit,
     * a closing window) is given no others. Everything when every segment is requested (one shared
     * neighbourhood; the pooled sessions hold the whole rule set).
     */
    FactTypes typesOf(Set<String> requested) {
        if (requested.containsAll(state.book().segments().keySet())) return FactTypes.ALL;
        return state.book().shape().reads(requested).map(FactTypes::readBy).orElse(FactTypes.ALL);
    }

    /**
     * One segment apart from the others, for these subjects. When a condition throws, the batch is
     * halved until the people it throws for are found; for each of them the rules that throw are
     * left out one by one (a throwing condition counts as not matching) and the rest decide. A budget
     * spent without a rule to suspend adds the segment to {@code unsettled}: nobody qualified is
     * not what was found, and counting it so would make its members exit.
     */
    private Work alone(String segment, List<String> subjects, List<Fact> facts, Map<String, Set<String>> qualified,
                       Set<String> unsettled) {
        if (subjects.isEmpty() || state.plan(Set.of(segment)).held().contains(segment)) return Work.NONE;
        Set<String> rules = state.closure(Set.of(segment));
        if (facts == null) facts = graph.neighbourhood(subjects, depth, eventsSince).facts();
        OneShot.Result r = OneShot.run(state.book().kieBaseOf(rules), state.book(), facts, new Now(now), false, budget(facts));
        if (r.ok()) {
            collect(r, Set.of(segment), qualified);
            return Work.of(r);
        }
        if (r.failure().kind() != OneShot.Failure.Kind.EXCEPTION) {
            hold(segment, r.failure(), unsettled);
            return Work.of(r);
        }
        if (subjects.size() > 1) {
            int mid = subjects.size() / 2;
            return Work.of(r).plus(alone(segment, subjects.subList(0, mid), null, qualified, unsettled))
                    .plus(alone(segment, subjects.subList(mid, subjects.size()), null, qualified, unsettled));
        }
        Work done = Work.of(r);
        Set<String> left = new TreeSet<>(rules);
        for (OneShot.Failure f = r.failure(); f != null; ) {
            String rule = f.rule();
            issues.accept(new RuntimeIssue(now, "condition", rule == null ? "?" : rule, rule == null ? "(unknown)"
                    : state.book().fileOf(rule), "a condition threw " + f.message() + " (for " + subjects.get(0) + "); for such "
                    + "people the rule does not match. Guard fields that may be null, e.g. title != null && title.toLowerCase()…"));
            if (rule == null || !left.remove(rule) || left.isEmpty()) return done;
            state.markThrowing(rule);
            OneShot.Result again = OneShot.run(state.book().kieBaseOf(left), state.book(), facts, new Now(now), false, budget(facts));
            done = done.plus(Work.of(again));
            if (again.ok()) {
                collect(again, Set.of(segment), qualified);
                return done;
            }
            if (again.failure().kind() != OneShot.Failure.Kind.EXCEPTION) {
                hold(segment, again.failure(), unsettled);
                return done;
            }
            f = again.failure();
        }
        return done;
    }

    /** What evaluations fired and derived, counted as their budget counts them. */
    private record Work(int fired, int derived) {
        static final Work NONE = new Work(0, 0);

        static Work of(OneShot.Result r) { return new Work(r.fired(), r.derived()); }

        Work plus(Work o) { return new Work(fired + o.fired, derived + o.derived); }
    }

    /**
     * The budget of one evaluation grows with what it evaluates: a rule that fires a few times per
     * fact is normal, one that fires a thousand times per fact (or derives a hundred, or allocates
     * 64 KiB) is not.
     */
    private Budget budget(List<Fact> facts) { return budget.forFacts(facts.size()); }

    /** A spent budget: its rule suspended, or when it names none the book knows, the segment left unsettled. */
    private void hold(String segment, OneShot.Failure f, Set<String> unsettled) {
        if (isolate(f, ", with segment '" + segment + "' evaluated on its own")) return;
        unsettled.add(segment);
        issues.accept(new RuntimeIssue(now, limitKind(f.kind()), f.rule() == null ? "?" : f.rule(), "(unknown)", f.message()
                + ". No rule of the running rules has that name, so none is suspended: segment '" + segment
                + (live ? "' keeps its members for the people of this evaluation" : "' is not decided for the people of this evaluation")));
    }

    /** Names for a message: the first ten, then how many more. */
    private static String listed(Set<String> segments) {
        List<String> all = List.copyOf(new TreeSet<>(segments));
        return all.size() <= 10 ? String.join(", ", all) : String.join(", ", all.subList(0, 10)) + " and " + (all.size() - 10) + " more";
    }

    private static String limitOf(OneShot.Failure.Kind kind, Budget b) {
        return switch (kind) {
            case FIRINGS -> b.maxFirings() + " firings";
            case DERIVED -> b.maxDerived() + " derived facts";
            case MEMORY -> (b.maxBytes() >> 20) + " MiB";
            default -> b.maxNanos() / 1_000_000 + " ms";
        };
    }

    private static String limitKind(OneShot.Failure.Kind kind) {
        return switch (kind) {
            case FIRINGS -> "firing-limit";
            case DERIVED -> "derived-limit";
            case MEMORY -> "memory-limit";
            default -> "time-limit";
        };
    }

    /**
     * Records a failure against its rule; false when it names none.
     *
     * @param where how the run that failed was made, for the message
     */
    private boolean isolate(OneShot.Failure f, String where) {
        if (f.rule() == null || !state.book().ruleFiles().containsKey(f.rule())) return false;
        String file = state.book().fileOf(f.rule());
        if (f.kind() == OneShot.Failure.Kind.EXCEPTION) {
            if (state.markThrowing(f.rule())) {
                announce(new RuntimeIssue(now, "condition", f.rule(), file, "a condition threw " + f.message()
                        + "; the segments that depend on this rule are evaluated apart from the others, and for the people "
                        + "it throws for the rule does not match. Guard fields that may be null, e.g. industry != null && …"));
            }
        } else if (state.suspend(f.rule(), f.message())) {
            announce(new RuntimeIssue(now, limitKind(f.kind()), f.rule(), file, f.message() + where + (live
                    ? ". The rule is suspended and the segments depending on it keep their members until the rules are reloaded"
                    : ". The rule is left out of this evaluation: the segments depending on it are not decided by it")));
        }
        return true;
    }

    /** An issue told once per rule state: the state keeps it too (a cluster worker whose commit is refused reports it later). */
    private void announce(RuntimeIssue issue) {
        state.announce(issue);
        issues.accept(issue);
    }

    private static void collect(OneShot.Result r, Set<String> segments, Map<String, Set<String>> qualified) {
        for (Qualified q : r.qualified()) {
            Set<String> mine = qualified.get(q.personId());
            if (mine != null && segments.contains(q.segmentId())) mine.add(q.segmentId());
        }
    }

    /** The subjects as the audience stage needs them; their identities are made when read. */
    private static Map<String, PersonSnapshot> snapshots(Neighbourhood n) {
        Map<String, PersonSnapshot> out = new HashMap<>();
        for (Fact f : n.facts()) {
            if (f instanceof Person p && n.subjects().contains(p.id())) {
                out.put(p.id(), new PersonSnapshot(p.id(), p.email(), p.emailOptOut(), n.identitiesOf(p.id())));
            }
        }
        return out;
    }
}
