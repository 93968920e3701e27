package io.cohort.analyst;

import io.cohort.engine.CompileResult;
import io.cohort.engine.OneShot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuntimeIssue;
import io.cohort.engine.SegmentDefinition;
import io.cohort.identity.ComponentFacts;
import io.cohort.identity.Node;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The analyst's tools over the live profile graph: preview a draft rule file's segments over all
 * current profiles, and explain one person's membership. Both evaluate in throw-away sessions at
 * the current time with the service's event retention; neither changes memberships or rules.
 */
public final class Workbench {
    /** A preview walks every profile; one at a time keeps it from starving evaluation. */
    private final Semaphore previews = new Semaphore(1);
    private final ProfileGraph graph;
    private final RuleService rules;
    private final Supplier<RuleBook> running;
    private final Clock clock;
    private final Duration eventRetention;

    /** Another preview is running. */
    public static final class BusyException extends RuntimeException {
        BusyException() { super("another preview is running; retry when it is done"); }
    }

    /** No segment of that id in the running rules. */
    public static final class UnknownSegmentException extends RuntimeException {
        UnknownSegmentException(String id) {
            super("no segment '" + id + "'; segments are declared by @segment(\"…\") in the rule files, see GET /v1/segments");
        }
    }

    public record PersonRef(String profileId, String email) {}

    public record SegmentPreview(String id, String name, String description, int count, List<PersonRef> sample) {}

    /** @param segments the segments the draft file declares or feeds, with their would-be members */
    public record Preview(boolean valid, String file, List<SegmentPreview> segments, List<RuleMessage> messages,
                          List<RuntimeIssue> runtimeIssues, Instant evaluatedAt) {}

    /**
     * @param justifications the matches that qualify the person, with the facts they matched
     * @param rules          "file:rule" of every rule of the segment
     * @param otherSegments  the segments this person qualifies for with the running rules
     * @param hint           when not qualified: what to look at next
     */
    public record Explanation(String segmentId, String segmentName, PersonRef person, boolean qualified,
                              List<OneShot.Justification> justifications, List<String> rules, List<String> otherSegments,
                              String hint, Instant evaluatedAt, String rulesVersion, List<RuntimeIssue> runtimeIssues) {}

    public Workbench(ProfileGraph graph, RuleService rules, Supplier<RuleBook> running, Clock clock, Duration eventRetention) {
        this.graph = graph;
        this.rules = rules;
        this.running = running;
        this.clock = clock;
        this.eventRetention = eventRetention;
    }

    /**
     * Compiles the current rule files with {@code drl} as {@code file} (replacing a file of that
     * name) and evaluates every profile; reports the segments that {@code file} declares or feeds.
     */
    public Preview preview(String file, String drl, int sample) {
        if (!previews.tryAcquire()) throw new BusyException();
        try {
            Instant now = clock.instant();
            CompileResult compiled = rules.compileWith(Map.of(file, drl));
            if (!compiled.ok()) return new Preview(false, file, List.of(), compiled.messages(), List.of(), now);
            RuleBook book = compiled.ruleBook().orElseThrow();
            List<SegmentDefinition> mine = book.segments().values().stream().filter(s -> s.files().contains(file))
                    .sorted(java.util.Comparator.comparing(SegmentDefinition::id)).toList();
            List<RuleMessage> messages = new ArrayList<>(compiled.messages());
            if (mine.isEmpty()) {
                messages.add(RuleMessage.warning(file, 0, 0, "the draft declares no segment: add @segment(\"id\") to a rule "
                        + "that does insertLogical(new Qualified(\"id\", $p.id()))"));
            }
            GraphRun.Outcome out = GraphRun.evaluate(graph, book, now, eventRetention, false);
            List<SegmentPreview> segments = new ArrayList<>();
            for (SegmentDefinition s : mine) {
                List<PersonRef> refs = out.members(s.id()).stream().limit(sample)
                        .map(id -> ref(id, out.people().get(id))).toList();
                segments.add(new SegmentPreview(s.id(), s.name(), s.description(), out.members(s.id()).size(), refs));
            }
            return new Preview(true, file, segments, messages, out.issues(), now);
        } finally {
            previews.release();
        }
    }

    /**
     * Evaluates the component of one person with the running rules, now. Empty when no source
     * record has that unified id.
     *
     * @throws UnknownSegmentException when the running rules declare no such segment
     */
    public Optional<Explanation> explain(String segmentId, String personId) {
        RuleBook book = running.get();
        SegmentDefinition segment = book.segment(segmentId).orElseThrow(() -> new UnknownSegmentException(segmentId));
        Optional<Node> node = graph.personNode(personId);
        if (node.isEmpty()) return Optional.empty();
        Instant now = clock.instant();
        ComponentFacts cf = graph.facts(graph.component(node.get()), now.minus(eventRetention));
        List<Fact> facts = new ArrayList<>(graph.globalFacts());
        facts.addAll(cf.facts());
        OneShot.Result r = OneShot.run(book, facts, new Now(now), true);
        Person p = cf.persons().stream().filter(x -> x.id().equals(personId)).findFirst().orElse(null);
        PersonRef who = ref(personId, p);
        Qualified q = new Qualified(segment.id(), personId);
        boolean qualified = r.qualified().contains(q);
        List<String> others = r.qualified().stream().filter(x -> x.personId().equals(personId))
                .map(Qualified::segmentId).filter(s -> !s.equals(segment.id())).sorted().toList();
        String hint = qualified ? null : (who.email() == null ? personId : who.email()) + " does not qualify for '"
                + segment.id() + "': no rule of the segment matches this person's facts now. Its rules: "
                + String.join("; ", segment.rules()) + ". Check each condition against GET /v1/profiles/" + personId
                + "; try a variation with POST /v1/rules/preview, and pin the case in a rules/*.test.yml";
        return Optional.of(new Explanation(segment.id(), segment.name(), who, qualified, r.why(q), segment.rules(),
                others, hint, now, book.version(), r.issues()));
    }

    private static PersonRef ref(String id, Person p) { return new PersonRef(id, p == null ? null : p.email()); }
}
