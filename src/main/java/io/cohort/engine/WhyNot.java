package io.cohort.engine;

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
 * a literal person id added), so they run nothing the sandbox did not accept.
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

    private record Probe(String name, String rule, String condition, String kind, int line, List<String> binds) {}

    private WhyNot() {}

    public static List<Step> explain(RuleBook book, String segment, Collection<? extends Fact> facts, Instant now,
                                     String personId, Budget budget) {
        DrlSandbox.Result checked = new DrlSandbox().check(book.sources());
        if (!checked.ok()) return List.of();
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
            return List.of();
        }
        if (probePkg == null) return List.of();
        Map<String, PackageDescr> files = new TreeMap<>(checked.files());
        files.put("(why-not)", probePkg);
        Set<String> only = new LinkedHashSet<>(new RuleState(book).closure(Set.of(segment)));
        byRule.values().forEach(ps -> ps.forEach(p -> only.add(p.name())));
        RuleCompiler.Built built = RuleCompiler.build(files, only, false);
        if (built.kieBase() == null) return List.of();
        OneShot.Result r = OneShot.run(built.kieBase(), book, facts, new Now(now), true, budget);
        if (!r.ok()) return List.of();
        List<Step> out = new ArrayList<>();
        byRule.forEach((rule, ps) -> {
            Step s = firstFailure(book, rule, ps, r, personId);
            if (s != null) out.add(s);
        });
        return out;
    }

    /** The probes of one rule, in order: each prefix of its conditions, and inside patterns, of constraints. */
    private static int probesOf(RuleDescr r, String text, String personId, StringBuilder out, List<Probe> list, int n) {
        List<BaseDescr> top = r.getLhs().getDescrs();
        List<String> prefix = new ArrayList<>();
        boolean personPinned = false;
        for (BaseDescr d : top) {
            String whole = slice(text, d);
            if (whole == null) return n;
            if (d instanceof PatternDescr p && (p.getSource() == null || p.getSource() instanceof FromDescr)) {
                List<String> cs = new ArrayList<>();
                for (BaseDescr c : p.getDescrs()) {
                    // The sandbox's deadline holds until the evaluation runs out of time: never the condition at fault.
                    if (c instanceof ExprConstraintDescr ec && !io.cohort.engine.sandbox.Deadline.isCall(ec.getExpression())) {
                        cs.add(ec.getExpression());
                    }
                }
                boolean person = !personPinned && p.getSource() == null && "Person".equals(p.getObjectType()) && p.getIdentifier() != null;
                if (person) {
                    // The probes look at this one person, not at everyone in the neighbourhood.
                    cs.add(0, "id == \"" + personId.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
                    personPinned = true;
                }
                String from = p.getSource() instanceof FromDescr f && f.getDataSource() != null ? " from " + f.getDataSource().getText() : "";
                String head = (p.getIdentifier() == null ? "" : p.getIdentifier() + " : ") + p.getObjectType();
                if (person) whole = head + "(" + String.join(", ", cs) + ")";
                for (int j = person ? 1 : 0; j < cs.size(); j++) {
                    String partial = head + "(" + String.join(", ", cs.subList(0, j + 1)) + ")" + from;
                    n = add(out, list, n, r.getName(), prefix, partial, personId, cs.get(j), "constraint", d.getLine());
                }
            }
            if (d instanceof PatternDescr p && p.getSource() instanceof AccumulateDescr a && a.getInput() != null) {
                String input = slice(text, a.getInput());
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
                String in = slice(text, (BaseDescr) not.getDescrs().get(0));
                if (in != null) n = add(out, list, n, r.getName(), prefix, in, personId, whole, "negated", d.getLine());
            }
            n = add(out, list, n, r.getName(), prefix, whole, personId, whole, "condition", d.getLine());
            prefix.add(whole);
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
