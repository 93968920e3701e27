package io.cohort.analyst;

import io.cohort.engine.Budget;
import io.cohort.engine.CompileResult;
import io.cohort.engine.Explainer;
import io.cohort.engine.FullEvaluation;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.OneShot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleCompiler;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuntimeIssue;
import io.cohort.engine.SegmentDefinition;
import io.cohort.engine.WhyNot;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.record.FieldError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the analysts' rule tests: every {@code *.test.yml} below a rules directory, against that
 * directory's rules compiled exactly as the service compiles them (same compiler, same guard).
 * Each case's records go through the production parser and a fresh {@link ProfileGraph}, so a
 * test exercises the same validation and unification as live data; then every profile is
 * evaluated at the case's {@code now} with the service's event retention.
 */
public final class RuleTests {
    private final RuleCompiler compiler;
    private final Duration eventRetention;
    private final RecordParser parser = new RecordParser(new IngestLimits());

    public RuleTests(RuleCompiler compiler, Duration eventRetention) {
        this.compiler = compiler;
        this.eventRetention = eventRetention;
    }

    public RuleTestReport run(Path rulesDirectory) {
        CompileResult compiled = compiler.compile(RuleService.read(rulesDirectory));
        List<Path> files = testFiles(rulesDirectory);
        if (!compiled.ok()) return new RuleTestReport(compiled.messages(), List.of(), List.of(), List.of());
        RuleBook book = compiled.ruleBook().orElseThrow();
        List<RuleTestReport.CaseResult> results = new ArrayList<>();
        List<String> fileErrors = new ArrayList<>();
        Set<String> tested = new TreeSet<>();
        for (Path p : files) {
            String name = rulesDirectory.relativize(p).toString().replace('\\', '/');
            List<RuleTestCase> cases;
            try {
                cases = RuleTestCase.load(p, name);
            } catch (RuleTestCase.FormatException e) {
                fileErrors.add(e.getMessage());
                continue;
            }
            Map<String, RuleTestCase> byName = new LinkedHashMap<>();
            for (RuleTestCase c : cases) {
                byName.put(c.name(), c);
                tested.addAll(c.expect().keySet());
                results.add(run(book, c, byName));
            }
        }
        List<String> untested = book.segments().keySet().stream().filter(s -> !tested.contains(s)).sorted().toList();
        return new RuleTestReport(compiled.messages(), results, fileErrors, untested);
    }

    private RuleTestReport.CaseResult run(RuleBook book, RuleTestCase c, Map<String, RuleTestCase> byName) {
        List<String> problems = new ArrayList<>();
        for (String seg : c.expect().keySet()) {
            if (book.segment(seg).isEmpty()) {
                problems.add("segment '" + seg + "' is not declared by any rule; declared: "
                        + String.join(", ", new TreeSet<>(book.segments().keySet())));
            }
        }
        ProfileGraph graph = new ProfileGraph(c.stepTwoLimit());
        long seq = 0;
        for (RuleTestCase step : chain(c, byName)) {
            for (var batch : step.records().entrySet()) {
                try {
                    graph.apply(batch.getKey(), parser.parse(batch.getValue()), ++seq);
                } catch (InvalidBatchException e) {
                    for (FieldError f : e.errors()) {
                        problems.add((step == c ? "" : "(in extended case '" + step.name() + "') ") + "records."
                                + batch.getKey() + "[" + f.index() + "]" + (f.field().isEmpty() ? "" : "." + f.field())
                                + ": " + f.message());
                    }
                }
            }
        }
        if (!problems.isEmpty()) return new RuleTestReport.CaseResult(c.file(), c.name(), false, problems);
        FullEvaluation.Outcome out = FullEvaluation.run(graph, book, c.now(), eventRetention);
        for (RuntimeIssue i : out.issues()) {
            problems.add("rule \"" + i.rule() + "\" (" + i.file() + ") " + i.kind() + ": " + i.message());
        }
        for (var e : c.expect().entrySet()) {
            String seg = e.getKey();
            if (out.undecided().contains(seg)) {
                // Its members are only of the people the budget did not stop: not a result to compare.
                problems.add(seg + ": not decided, a budget stopped its rules (the issue above names the rule)");
                continue;
            }
            Map<String, String> actual = new LinkedHashMap<>(); // email (or id when none) → person id
            for (String pid : out.members(seg)) {
                PersonSnapshot p = out.people().get(pid);
                actual.put(p == null || p.email() == null ? pid : p.email(), pid);
            }
            Set<String> expected = new TreeSet<>(e.getValue());
            if (expected.equals(new TreeSet<>(actual.keySet()))) continue;
            problems.add(seg + ": expected " + expected + " but was " + new TreeSet<>(actual.keySet()));
            for (String email : expected) {
                if (!actual.containsKey(email)) {
                    SegmentDefinition def = book.segment(seg).orElse(null);
                    problems.add("  missing " + email + ": no rule of the segment matched"
                            + (def == null ? "" : " (its rules: " + String.join("; ", def.rules()) + ")"));
                    String pid = idOf(graph, email);
                    if (pid == null) continue;
                    WhyNot.Answer why = Explainer.whyNot(graph, book, seg, pid, c.now(), eventRetention, Budget.DEFAULT);
                    for (WhyNot.Step s : why.steps()) {
                        problems.add("    rule \"" + s.rule() + "\": " + s.condition() + " - " + s.reason()
                                + (s.facts().isEmpty() ? "" : " [" + String.join(", ", s.facts()) + "]"));
                    }
                    if (why.stopped() != null) {
                        problems.add("    why not could not be worked out: " + why.stopped().message());
                    }
                }
            }
            for (var a : actual.entrySet()) {
                if (expected.contains(a.getKey())) continue;
                List<OneShot.Justification> why = Explainer.explain(graph, book, seg, a.getValue(), c.now(), eventRetention,
                        Budget.DEFAULT).result().why(new Qualified(seg, a.getValue()));
                problems.add("  unexpected " + a.getKey() + ": " + (why.isEmpty() ? "(no rule recorded)"
                        : why.stream().map(RuleTests::describe).collect(Collectors.joining("; "))));
            }
        }
        return new RuleTestReport.CaseResult(c.file(), c.name(), problems.isEmpty(), problems);
    }

    /** The unified id of the person of that email (or id) in the case's graph, or null. */
    private static String idOf(ProfileGraph graph, String emailOrId) {
        String id = emailOrId.contains("@")
                ? io.cohort.identity.UnifiedIds.personByEmail(io.cohort.identity.UnifiedIds.normalizeEmail(emailOrId)) : emailOrId;
        return graph.hasPerson(id) ? id : null;
    }

    /** "rule "R" (file.drl) with $total=950000.0 on P:…, E:…". */
    static String describe(OneShot.Justification j) {
        StringBuilder b = new StringBuilder("rule \"").append(j.rule()).append("\" (").append(j.file()).append(")");
        if (!j.bindings().isEmpty()) {
            b.append(" with ").append(j.bindings().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", ")));
        }
        b.append(" on ").append(j.facts().stream().map(OneShot.Matched::key).collect(Collectors.joining(", ")));
        return b.toString();
    }

    /** The case and the cases it extends, oldest first. */
    private static List<RuleTestCase> chain(RuleTestCase c, Map<String, RuleTestCase> byName) {
        List<RuleTestCase> out = new ArrayList<>();
        for (RuleTestCase x = c; x != null; x = x.extendsCase() == null ? null : byName.get(x.extendsCase())) {
            out.add(0, x);
        }
        return out;
    }

    private static List<Path> testFiles(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && (p.toString().endsWith(".test.yml") || p.toString().endsWith(".test.yaml")))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
    }
}
