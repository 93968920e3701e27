package io.cohort.analyst;

import io.cohort.engine.Allowance;
import io.cohort.engine.Budget;
import io.cohort.engine.CompileResult;
import io.cohort.engine.Explainer;
import io.cohort.engine.FullEvaluation;
import io.cohort.engine.OneShot;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuntimeIssue;
import io.cohort.engine.SegmentDefinition;
import io.cohort.engine.WhyNot;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The analyst's tools over the live profile graph: preview a draft rule file's segments over all
 * current profiles, and explain one person's membership. Both evaluate in throw-away sessions at
 * the current time with the service's event retention; neither changes memberships or rules.
 * Each has its own time limit: a preview past it is stopped and answered as such, and never holds
 * up the next one.
 */
public final class Workbench implements Managed {
    /** Previews at once: each walks every profile, so a few keep them from starving evaluation. */
    private static final int PREVIEWS = 2;
    private final Semaphore previews = new Semaphore(PREVIEWS);
    private final ExecutorService pool = Executors.newFixedThreadPool(PREVIEWS, r -> {
        Thread t = new Thread(r, "cohort-preview");
        t.setDaemon(true);
        return t;
    });
    private final ProfileGraph graph;
    private final RuleService rules;
    private final Supplier<RuleBook> running;
    private final Clock clock;
    private final Duration eventRetention;
    private final Duration timeout;
    /**
     * Of each evaluation of a preview, and of an explanation's evaluations together: the engine's
     * firings and derived facts (a draft is stopped where the running engine would stop it), the
     * preview's time, the engine's memory for any number of facts.
     */
    private final Budget budget;

    /** As many previews as allowed are running. */
    public static final class BusyException extends RuntimeException {
        BusyException() { super(PREVIEWS + " previews are running; retry when one is done"); }
    }

    /** The preview took longer than its time limit and was stopped. */
    public static final class TimeoutException extends RuntimeException {
        TimeoutException(Duration limit) {
            super("the preview took longer than " + (limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms")
                    + " (engine.previewTimeout) and was stopped; make the draft's conditions "
                    + "more selective (join on ids early), or check it with rule tests (rules/*.test.yml)");
        }
    }

    /** No segment of that id in the running rules. */
    public static final class UnknownSegmentException extends RuntimeException {
        UnknownSegmentException(String id) {
            super("no segment '" + id + "'; segments are declared by @segment(\"…\") in the rule files, see GET /v1/segments");
        }
    }

    public record PersonRef(String profileId, String email) {}

    /**
     * @param complete false when a budget stopped this segment's rules for some people (see the preview's
     *                 runtimeIssues, which name the rule): count and sample are of the other people only
     */
    public record SegmentPreview(String id, String name, String description, int count, List<PersonRef> sample,
                                 boolean complete) {}

    /** @param segments the segments the draft file declares or feeds, with their would-be members */
    public record Preview(boolean valid, String file, List<SegmentPreview> segments, List<RuleMessage> messages,
                          List<RuntimeIssue> runtimeIssues, Instant evaluatedAt) {}

    /**
     * @param justifications the matches that qualify the person, with the facts they matched
     * @param rules          "file:rule" of every rule of the segment
     * @param otherSegments  the segments this person qualifies for with the running rules; null when they could not
     *                       be worked out (the explanation's budget spent before, or a rule that threw)
     * @param undecidedOtherSegments the segments otherSegments cannot speak for: evaluated together the segments
     *                       spent a budget, and these spent it on their own too (runtimeIssues names the rule)
     * @param hint           when not qualified: what to look at next
     */
    public record Explanation(String segmentId, String segmentName, PersonRef person, boolean qualified,
                              List<OneShot.Justification> justifications, List<String> rules, List<String> otherSegments,
                              String hint, List<io.cohort.engine.WhyNot.Step> whyNot, Instant evaluatedAt, String rulesVersion,
                              List<RuntimeIssue> runtimeIssues, List<String> undecidedOtherSegments) {}

    /**
     * @param timeout            how long a preview or an explanation may take
     * @param maxEvaluationBytes what one of its evaluations may allocate (engine.maxEvaluationMemory)
     */
    public Workbench(ProfileGraph graph, RuleService rules, Supplier<RuleBook> running, Clock clock, Duration eventRetention,
                     Duration timeout, long maxEvaluationBytes) {
        this(graph, rules, running, clock, eventRetention, timeout, new Budget(Budget.DEFAULT.maxFirings(), Budget.DEFAULT.maxDerived(),
                0, maxEvaluationBytes, Budget.DEFAULT.maxFirings(), Budget.DEFAULT.maxDerived(), maxEvaluationBytes));
    }

    /** @param engine the engine's budget of one evaluation (engine.maxFiringsPerRound…); its time is {@code timeout} here */
    public Workbench(ProfileGraph graph, RuleService rules, Supplier<RuleBook> running, Clock clock, Duration eventRetention,
                     Duration timeout, Budget engine) {
        this.graph = graph;
        this.rules = rules;
        this.running = running;
        this.clock = clock;
        this.eventRetention = eventRetention;
        this.timeout = timeout;
        this.budget = new Budget(engine.maxFirings(), engine.maxDerived(), timeout.toNanos(), engine.maxBytes(),
                engine.firingsPerFact(), engine.derivedPerFact(), engine.maxBytes());
    }

    @Override public void start() {}

    @Override public void stop() { pool.shutdownNow(); }

    /**
     * Compiles the current rule files with {@code drl} as {@code file} (replacing a file of that
     * name) and evaluates every profile for the segments that {@code file} declares.
     *
     * @throws BusyException    when {@value #PREVIEWS} previews are running
     * @throws TimeoutException when it took longer than its limit
     */
    public Preview preview(String file, String drl, int sample) {
        if (!previews.tryAcquire()) throw new BusyException();
        // The slot is freed when the evaluation really ends, not when this caller stops waiting
        // for it: a preview still winding down after its time limit keeps its slot (the next
        // ones get 429 at once rather than queueing behind it in the pool).
        boolean handedOver = false;
        try {
            Instant now = clock.instant();
            CompileResult compiled = rules.compileWith(Map.of(file, drl));
            if (!compiled.ok()) return new Preview(false, file, List.of(), compiled.messages(), List.of(), now);
            RuleBook book = compiled.ruleBook().orElseThrow();
            // The segments it declares, and those whose rules read what it derives (a helper's draft).
            io.cohort.engine.RuleState state = new io.cohort.engine.RuleState(book);
            List<SegmentDefinition> mine = book.segments().values().stream().filter(s -> s.files().contains(file)
                            || state.closure(Set.of(s.id())).stream().anyMatch(r -> book.fileOf(r).equals(file)))
                    .sorted(Comparator.comparing(SegmentDefinition::id)).toList();
            List<RuleMessage> messages = new ArrayList<>(compiled.messages());
            if (mine.isEmpty()) {
                messages.add(RuleMessage.warning(file, 0, 0, "the draft declares no segment: add @segment(\"id\") to a rule "
                        + "that does insertLogical(new Qualified(\"id\", $p.id()))"));
                return new Preview(true, file, List.of(), messages, List.of(), now);
            }
            Set<String> ids = new TreeSet<>(mine.stream().map(SegmentDefinition::id).toList());
            AtomicBoolean cancelled = new AtomicBoolean();
            Future<FullEvaluation.Outcome> f = pool.submit(() -> {
                try {
                    return FullEvaluation.run(graph, book, ids, now, eventRetention, budget, null, cancelled::get);
                } finally {
                    previews.release();
                }
            });
            handedOver = true;
            FullEvaluation.Outcome out;
            try {
                out = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                cancelled.set(true);
                f.cancel(true);
                throw new TimeoutException(timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancelled.set(true);
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
            List<SegmentPreview> segments = new ArrayList<>();
            for (SegmentDefinition s : mine) {
                List<PersonRef> refs = out.members(s.id()).stream().limit(sample).map(id -> ref(id, out.people().get(id))).toList();
                segments.add(new SegmentPreview(s.id(), s.name(), s.description(), out.members(s.id()).size(), refs,
                        !out.undecided().contains(s.id())));
            }
            return new Preview(true, file, segments, messages, out.issues(), now);
        } finally {
            if (!handedOver) previews.release();
        }
    }

    /**
     * Evaluates one person's neighbourhood with the running rules of one segment, now. Empty when
     * no source record has that unified id.
     *
     * @throws UnknownSegmentException when the running rules declare no such segment
     */
    public Optional<Explanation> explain(String segmentId, String personId) {
        // One deadline and one allocation limit for all of this explanation's evaluations, from now.
        Allowance allowance = new Allowance(budget);
        RuleBook book = running.get();
        SegmentDefinition segment = book.segment(segmentId).orElseThrow(() -> new UnknownSegmentException(segmentId));
        if (!graph.hasPerson(personId)) return Optional.empty();
        Instant now = clock.instant();
        Explainer.Explanation x = Explainer.explain(graph, book, segment.id(), personId, now, eventRetention, allowance);
        PersonRef who = new PersonRef(personId, x.person().map(Person::email).orElse(null));
        Qualified q = new Qualified(segment.id(), personId);
        boolean qualified = x.result().qualified().contains(q);
        WhyNot.Answer whyNot = x.whyNot();
        // What cut the answer short: the evaluation itself (then qualified is not known), or the probes of why not.
        OneShot.Failure stopped = !x.result().ok() ? x.result().failure() : whyNot == null ? null : whyNot.stopped();
        List<RuntimeIssue> issues = new ArrayList<>(x.issues());
        if (stopped != null) issues.add(0, new RuntimeIssue(now, stopped.kind().name().toLowerCase(), String.valueOf(stopped.rule()),
                stopped.rule() == null ? "(unknown)" : book.fileOf(stopped.rule()), stopped.message()));
        String name = who.email() == null ? personId : who.email();
        String hint = qualified ? null : !x.result().ok()
                ? "whether " + name + " qualifies for '" + segment.id() + "' could not be decided: " + because(stopped)
                : name + " does not qualify for '" + segment.id() + "': no rule of the segment matches this person's facts now. "
                + "Its rules: " + String.join("; ", segment.rules()) + ". Check each condition against GET /v1/profiles/" + personId
                + "; try a variation with POST /v1/rules/preview, and pin the case in a rules/*.test.yml" + stepTwoNote(book, segment.id(), personId)
                + aheadNote(book, segment.id(), personId, now)
                + (stopped == null ? "" : ". Which condition fails for them could not be worked out: " + because(stopped));
        return Optional.of(new Explanation(segment.id(), segment.name(), who, qualified, x.result().why(q), segment.rules(),
                x.others() == null ? null : List.copyOf(x.others()), hint, whyNot == null ? List.of() : whyNot.steps(), now, book.version(),
                List.copyOf(issues), List.copyOf(x.undecided())));
    }

    /** Why an explanation stopped short, in the words of the budget an analyst can ask an operator to change. */
    private static String because(OneShot.Failure f) {
        return f.message() + switch (f.kind()) {
            case TIME -> " (an explanation's time budget: engine.previewTimeout)";
            case MEMORY -> " (an evaluation's memory budget: engine.maxEvaluationMemory)";
            default -> "";
        };
    }

    /**
     * For a segment whose rules look two steps, when the person is related to an account or deal
     * that step 2 does not go through: otherwise "no colleague" reads like missing data.
     */
    private String stepTwoNote(RuleBook book, String segment, String personId) {
        boolean twoSteps = book.shape().segment(segment).map(s -> s.level() >= 2).orElse(false);
        if (!twoSteps || graph.pastStepTwoLimit(List.of(personId)).isEmpty()) return "";
        return ". This segment's rules look two steps, and this person is related to an account or deal with more than "
                + graph.stepTwoLimit() + " people related to it (engine.stepTwoLimit): rules do not look through it to its other "
                + "people, so no colleague or fellow contact is found there (its Account or Opportunity fact has peopleInReach == false)";
    }

    /**
     * For a segment reading events, when the person has an event dated after now: the profile lists
     * it, and without this note it reads as an event the rule ignores.
     */
    private String aheadNote(RuleBook book, String segment, String personId, Instant now) {
        boolean events = book.shape().segment(segment).map(io.cohort.engine.sandbox.RuleSetShape.SegmentShape::readsEvents).orElse(false);
        long next = events ? graph.nextWindowEdge(personId, now.toEpochMilli(), new long[] {0}) : Long.MAX_VALUE;
        if (next == Long.MAX_VALUE) return "";
        return ". This person has an event dated after now (the earliest at " + Instant.ofEpochMilli(next) + "): rules count an "
                + "event from its own time, when the person is evaluated again";
    }

    private static PersonRef ref(String id, PersonSnapshot p) { return new PersonRef(id, p == null ? null : p.email()); }
}
