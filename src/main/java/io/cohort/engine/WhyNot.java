package io.cohort.engine;

import io.cohort.engine.sandbox.Deadline;
import io.cohort.engine.sandbox.DrlSandbox;
import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Qualified;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.AnnotationDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.CollectDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.FromDescr;
import org.drools.drl.ast.descr.NotDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.kie.api.KieBase;

/**
 * Why a person does not qualify: for each rule of the segment, the first condition that has no
 * match for them, found by evaluating the rule's prefixes. The rule's conditions in order (and,
 * for the pattern at fault, its constraints in order) become probe rules that only record a match;
 * the first prefix without one names the condition. For an accumulate, its value and the facts it
 * counted are shown ("$total = 950000.0, needs $total > 1000000").
 *
 * <p>Probes are cut from the text of rules that passed the sandbox (a prefix of their conditions,
 * a literal person id added), so they run nothing the sandbox did not accept, and they keep the
 * sandbox's {@link Deadline} in every pattern that joins: a prefix matches more than its rule
 * (which a later condition with no fact may keep Drools from evaluating at all), so without it a
 * rule whose joins multiply held the request for minutes here alone.
 */
public final class WhyNot {
    private static final String PROBE = "__whynot:";
    private static final int MAX_FACTS = 20;

    /**
     * @param rule      the segment's rule
     * @param condition the first condition (or constraint) of the rule without a match, as written
     * @param reason    what was found instead: the value an accumulate computed, how many facts matched up to there
     * @param facts     the facts matched just before the failing step (for an accumulate: the facts it counted)
     */
    public record Step(String rule, String file, String condition, String reason, List<String> facts) {}

    /**
     * @param steps   per rule of the segment, the first condition without a match
     * @param stopped null, or why the probes' evaluation did not finish (a budget spent, a condition
     *                that threw), naming the segment's rule whose probes it was; then {@code steps} is empty
     */
    public record Answer(List<Step> steps, OneShot.Failure stopped) {
        static final Answer NONE = new Answer(List.of(), null);
    }

    private record Probe(String name, String rule, String condition, String kind, int line, List<String> binds) {}

    private WhyNot() {}

    public static Answer explain(RuleBook book, String segment, Collection<? extends Fact> facts, Instant now,
                                 String personId, Budget budget) {
        return explain(book, segment, facts, now, personId, new Allowance(budget));
    }

    /** The same as one run of a request's several: the probes get what {@code allowance} has left. */
    public static Answer explain(RuleBook book, String segment, Collection<? extends Fact> facts, Instant now,
                                 String personId, Allowance allowance) {
        DrlSandbox.Result checked = new DrlSandbox().check(book.sources());
        if (!checked.ok()) return Answer.NONE;
        StringBuilder probes = new StringBuilder("package " + DrlSandbox.PACKAGE + ";\nimport io.cohort.model.*;\n");
        Map<String, List<Probe>> byRule = new TreeMap<>();
        int n = 0;
        for (var e : checked.files().entrySet()) {
            String text = book.sources().get(e.getKey());
            for (RuleDescr r : e.getValue().getRules()) {
                AnnotationDescr seg = r.getAnnotation("segment");
                if (seg == null || !segment.equals(unquote(String.valueOf(seg.getValue())))) continue;
                List<Probe> list = new ArrayList<>();
                n = probesOf(r, text, personId, probes, list, n);
                byRule.put(r.getName(), list);
            }
        }
        PackageDescr probePkg;
        try {
            probePkg = new DrlParser().parse(null, probes.toString());
        } catch (Exception e) {
            return Answer.NONE;
        }
        if (probePkg == null) return Answer.NONE;
        Map<String, PackageDescr> files = new TreeMap<>(checked.files());
        files.put("(why-not)", probePkg);
        Set<String> only = new LinkedHashSet<>(new RuleState(book).closure(Set.of(segment)));
        byRule.values().forEach(ps -> ps.forEach(p -> only.add(p.name())));
        RuleCompiler.Built built = RuleCompiler.build(files, only, false);
        if (built.kieBase() == null) return Answer.NONE;
        OneShot.Result r = OneShot.run(built.kieBase(), book, facts, new Now(now), true, allowance);
        if (!r.ok()) return new Answer(List.of(), ofRule(r.failure(), byRule, allowance.budget()));
        List<Step> out = new ArrayList<>();
        byRule.forEach((rule, ps) -> {
            Step s = firstFailure(book, rule, ps, r, personId);
            if (s != null) out.add(s);
        });
        return new Answer(out, null);
    }

    /**
     * The failure told of the segment's rule: the analyst never wrote the probe Drools names, and
     * the firings of probes are not the rule's.
     */
    private static OneShot.Failure ofRule(OneShot.Failure f, Map<String, List<Probe>> byRule, Budget budget) {
        // Not started, the explanation's budget spent before (the probes' compilation counts): of the one rule probed, if one.
        boolean notStarted = f.rule() == null && byRule.size() == 1;
        if (!notStarted && (f.rule() == null || !f.rule().startsWith(PROBE))) return f;
        String rule = notStarted ? byRule.keySet().iterator().next() : byRule.values().stream().flatMap(List::stream)
                .filter(p -> p.name().equals(f.rule())).map(Probe::rule).findFirst().orElse(null);
        if (rule == null) return f;
        String message = f.kind() == OneShot.Failure.Kind.TIME
                ? "took longer than " + budget.maxNanos() / 1_000_000 + " ms to work out which condition of rule \"" + rule
                + "\" fails for this person: its conditions, taken in order, join too many combinations of facts (every "
                + "colleague with every colleague of an account, say); join on ids to fewer facts, or count with accumulate "
                + "instead of matching each combination"
                : notStarted ? f.message() : f.message().replace("\"" + f.rule() + "\"", "\"" + rule + "\"");
        return new OneShot.Failure(f.kind(), rule, message);
    }

    /** The probes of one rule, in order: each prefix of its conditions, and inside patterns, of constraints. */
    private static int probesOf(RuleDescr r, String text, String personId, StringBuilder out, List<Probe> list, int n) {
        List<BaseDescr> top = r.getLhs().getDescrs();
        List<String> prefix = new ArrayList<>();
        boolean personPinned = false;
        for (BaseDescr d : top) {
            String whole = slice(text, d);
            // What the probes run: the condition with the sandbox's deadline calls put back.
            String checked = withDeadlines(text, d);
            if (whole == null || checked == null) return n;
            if (d instanceof PatternDescr p && (p.getSource() == null || p.getSource() instanceof FromDescr)) {
                List<String> cs = new ArrayList<>();
                for (BaseDescr c : p.getDescrs()) if (c instanceof ExprConstraintDescr ec) cs.add(ec.getExpression());
                boolean person = !personPinned && p.getSource() == null && "Person".equals(p.getObjectType()) && p.getIdentifier() != null;
                if (person) {
                    // The probes look at this one person, not at everyone in the neighbourhood.
                    cs.add(0, "id == \"" + personId.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
                    personPinned = true;
                }
                String from = p.getSource() instanceof FromDescr f && f.getDataSource() != null ? " from " + f.getDataSource().getText() : "";
                String head = (p.getIdentifier() == null ? "" : p.getIdentifier() + " : ") + p.getObjectType();
                if (person) {
                    checked = head + "(" + String.join(", ", cs) + ")";
                    whole = head + "(" + String.join(", ", cs.stream().filter(c -> !Deadline.isCall(c)).toList()) + ")";
                }
                for (int j = person ? 1 : 0; j < cs.size(); j++) {
                    // The deadline holds until the evaluation runs out of time: never the condition at fault.
                    if (Deadline.isCall(cs.get(j))) continue;
                    String partial = head + "(" + String.join(", ", cs.subList(0, j + 1)) + ")" + from;
                    n = add(out, list, n, r.getName(), prefix, partial, personId, cs.get(j), "constraint", d.getLine());
                }
            }
            if (d instanceof PatternDescr p && p.getSource() instanceof AccumulateDescr a && a.getInput() != null) {
                String input = withDeadlines(text, a.getInput());
                if (input != null) {
                    input = input.strip();
                    if (input.endsWith(";")) input = input.substring(0, input.length() - 1);
                    n = add(out, list, n, r.getName(), prefix, input, personId, whole, "counted", d.getLine());
                    List<String> fns = new ArrayList<>();
                    List<String> binds = new ArrayList<>();
                    a.getFunctions().forEach(f -> {
                        fns.add(f.getBind() + " : " + f.getFunction() + "(" + String.join(", ", f.getParams()) + ")");
                        binds.add(f.getBind());
                    });
                    String value = "accumulate(" + input + "; " + String.join(", ", fns) + ")";
                    n = add(out, list, n, r.getName(), prefix, value, personId, whole, "value", d.getLine());
                    list.set(list.size() - 1, new Probe(list.get(list.size() - 1).name(), r.getName(), whole, "value", d.getLine(), binds));
                }
            }
            if (d instanceof NotDescr not && not.getDescrs().size() == 1) {
                String in = withDeadlines(text, (BaseDescr) not.getDescrs().get(0));
                if (in != null) n = add(out, list, n, r.getName(), prefix, in, personId, whole, "negated", d.getLine());
            }
            n = add(out, list, n, r.getName(), prefix, checked, personId, whole, "condition", d.getLine());
            prefix.add(checked);
        }
        return n;
    }

    private static int add(StringBuilder out, List<Probe> list, int n, String rule, List<String> prefix, String last,
                           String personId, String condition, String kind, int line) {
        String name = PROBE + n;
        out.append("rule \"").append(name).append("\"\nwhen\n");
        for (String p : prefix) out.append("    ").append(p).append('\n');
        out.append("    ").append(last).append("\nthen\n    insertLogical(new Qualified(\"").append(name).append("\", \"")
                .append(personId.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"));\nend\n");
        list.add(new Probe(name, rule, io.cohort.engine.sandbox.LinearRegex.asWritten(condition), kind, line, List.of()));
        return n + 1;
    }

    private static Step firstFailure(RuleBook book, String rule, List<Probe> probes, OneShot.Result r, String personId) {
        Map<String, Boolean> matched = new HashMap<>();
        for (Probe p : probes) matched.put(p.name(), r.qualified().contains(new Qualified(p.name(), personId)));
        Probe previous = null;
        for (int i = 0; i < probes.size(); i++) {
            Probe p = probes.get(i);
            if (p.kind().equals("value") || p.kind().equals("counted") || p.kind().equals("negated")) continue;
            if (matched.get(p.name())) {
                previous = p;
                continue;
            }
            String file = book.fileOf(rule);
            // An accumulate that does not hold: show its value and what it counted.
            Probe value = i >= 1 ? find(probes, i, "value") : null;
            Probe counted = i >= 1 ? find(probes, i, "counted") : null;
            if (value != null && matched.get(value.name())) {
                List<OneShot.Justification> v = r.why(new Qualified(value.name(), personId));
                String values = v.stream().map(j -> bindingsText(j.bindings(), value.binds())).distinct()
                        .reduce((a, b) -> a + "; " + b).orElse("");
                List<String> keys = counted == null ? List.of() : added(factKeys(r.why(new Qualified(counted.name(), personId))),
                        prefixKeys(r, previous, personId));
                return new Step(rule, file, oneLine(p.condition()), "does not hold: " + values + " over " + keys.size()
                        + " counted fact(s)", limit(keys));
            }
            Probe negated = find(probes, i, "negated");
            if (negated != null && matched.get(negated.name())) {
                List<String> keys = added(factKeys(r.why(new Qualified(negated.name(), personId))), prefixKeys(r, previous, personId));
                return new Step(rule, file, oneLine(p.condition()), "does not hold: these facts exist", limit(keys));
            }
            // The facts of the failing pattern that match its constraints before the failing one.
            boolean sameElement = previous != null && previous.kind().equals("constraint") && previous.line() == p.line();
            Probe outer = sameElement ? lastOtherElement(probes, i) : previous;
            List<String> keys = previous == null ? List.of()
                    : added(factKeys(r.why(new Qualified(previous.name(), personId))), prefixKeys(r, outer, personId));
            String reason = p.kind().equals("constraint")
                    ? "no fact matches up to this constraint" + (sameElement
                    ? " (" + keys.size() + " match before it: '" + oneLine(previous.condition()) + "')" : "")
                    : "no match";
            if (!sameElement) keys = List.of();
            return new Step(rule, file, oneLine(p.condition()), reason, limit(keys));
        }
        return null;
    }

    /** The probe of {@code kind} for the same condition as probe {@code i} (added just before it). */
    private static Probe find(List<Probe> probes, int i, String kind) {
        for (int k = i - 1; k >= 0 && k >= i - 3; k--) {
            if (probes.get(k).kind().equals(kind) && probes.get(k).line() == probes.get(i).line()) return probes.get(k);
        }
        return null;
    }

    /** The last matched-or-not main probe of an earlier condition than probe {@code i}. */
    private static Probe lastOtherElement(List<Probe> probes, int i) {
        for (int k = i - 1; k >= 0; k--) {
            Probe q = probes.get(k);
            if (q.kind().equals("condition") && q.line() != probes.get(i).line()) return q;
        }
        return null;
    }

    private static List<String> prefixKeys(OneShot.Result r, Probe prefix, String personId) {
        return prefix == null ? List.of() : factKeys(r.why(new Qualified(prefix.name(), personId)));
    }

    private static List<String> limit(List<String> keys) { return keys.stream().limit(MAX_FACTS).toList(); }

    private static List<String> added(List<String> keys, List<String> before) {
        return keys.stream().filter(k -> !before.contains(k)).toList();
    }

    private static List<String> factKeys(List<OneShot.Justification> js) {
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (OneShot.Justification j : js) for (OneShot.Matched m : j.facts()) if (!m.key().equals("NOW")) keys.add(m.key());
        return List.copyOf(keys);
    }

    private static String bindingsText(Map<String, Object> bindings, List<String> only) {
        List<String> out = new ArrayList<>();
        bindings.forEach((k, v) -> {
            if (only.contains(k)) out.add(k + " = " + (v instanceof Number num ? format(num) : v));
        });
        return String.join(", ", out);
    }

    private static String format(Number n) {
        double d = n.doubleValue();
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(java.util.Locale.ROOT, "%,d", (long) d) : n.toString();
    }

    private static String oneLine(String s) { return s.strip().replaceAll("\\s+", " "); }

    /**
     * The text of {@code d} with {@code Deadline.ok($v)} where the sandbox put it: first in each
     * pattern inside it (inside not, exists, accumulate and collect too) whose checked constraints
     * start with it. Null when a place cannot be found: no probe then runs without its deadline.
     */
    private static String withDeadlines(String text, BaseDescr d) {
        String whole = slice(text, d);
        if (whole == null) return null;
        TreeMap<Integer, String> at = new TreeMap<>();
        if (!deadlines(text, d, at)) return null;
        StringBuilder b = new StringBuilder(whole);
        for (var e : at.descendingMap().entrySet()) {
            if (e.getKey() < d.getStartCharacter() || e.getKey() > d.getEndCharacter()) return null;
            b.insert(e.getKey() - d.getStartCharacter(), e.getValue());
        }
        return b.toString();
    }

    /** Where (offset in {@code text}) each deadline call of {@code d} and the patterns nested in it goes. */
    private static boolean deadlines(String text, BaseDescr d, Map<Integer, String> at) {
        if (d instanceof PatternDescr p) {
            List<? extends BaseDescr> cs = p.getDescrs();
            if (!cs.isEmpty() && cs.get(0) instanceof ExprConstraintDescr ec && Deadline.isCall(ec.getExpression())) {
                // Before the first constraint as written, or alone between the pattern's parentheses.
                int next = cs.size() > 1 ? cs.get(1).getStartCharacter() : -1;
                if (next >= 0) {
                    at.put(next, ec.getExpression() + ", ");
                } else {
                    int type = p.getStartCharacter() < 0 ? -1 : text.indexOf(p.getObjectType(), p.getStartCharacter());
                    int open = type < 0 ? -1 : type + p.getObjectType().length();
                    while (open >= 0 && open < text.length() && Character.isWhitespace(text.charAt(open))) open++;
                    if (open < 0 || open >= text.length() || text.charAt(open) != '(') return false;
                    at.put(open + 1, ec.getExpression());
                }
            }
            if (p.getSource() instanceof AccumulateDescr a && a.getInput() != null && !deadlines(text, a.getInput(), at)) return false;
            if (p.getSource() instanceof CollectDescr c && c.getInputPattern() != null && !deadlines(text, c.getInputPattern(), at)) {
                return false;
            }
        } else if (d instanceof ConditionalElementDescr ce) {
            for (BaseDescr inner : ce.getDescrs()) if (!deadlines(text, inner, at)) return false;
        }
        return true;
    }

    private static String slice(String text, BaseDescr d) {
        if (text == null || d.getStartCharacter() < 0 || d.getEndCharacter() > text.length() || d.getEndCharacter() <= d.getStartCharacter()) {
            return null;
        }
        return text.substring(d.getStartCharacter(), d.getEndCharacter());
    }

    private static String unquote(String s) {
        String t = s.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }
}
