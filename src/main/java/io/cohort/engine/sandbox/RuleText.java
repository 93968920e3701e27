package io.cohort.engine.sandbox;

import java.util.List;
import java.util.TreeMap;
import org.drools.drl.ast.descr.*;

/**
 * A rule (or declared type) as canonical text, from the checked descriptor tree: comments and
 * layout do not count. Two rule sets whose segment depends on the same canonical rules compute
 * the same members for it, so a rule edit re-evaluates only the segments it changes.
 */
public final class RuleText {
    private RuleText() {}

    public static String of(RuleDescr r) {
        StringBuilder b = new StringBuilder("rule ").append(r.getName());
        new TreeMap<>(r.getAttributes()).forEach((k, v) -> b.append(' ').append(k).append('=').append(v.getValue()));
        for (AnnotationDescr a : r.getAnnotations()) b.append(" @").append(a.getName()).append('=').append(a.getValue());
        b.append(" when ");
        lhs(r.getLhs(), b);
        b.append(" then ").append(String.valueOf(r.getConsequence()).strip().replaceAll("\\s+", " "));
        return b.toString();
    }

    public static String of(TypeDeclarationDescr t) {
        StringBuilder b = new StringBuilder("declare ").append(t.getTypeName());
        t.getFields().forEach((n, f) -> b.append(' ').append(n).append(':').append(f.getPattern().getObjectType())
                .append(f.getAnnotationNames().contains("key") ? "@key" : ""));
        return b.toString();
    }

    /**
     * The names an expression may read as variables: identifiers outside text literals and not
     * after a '.' (those are fields and methods of what stands before it). Field names of the
     * pattern are among them; callers keep the ones the rule binds.
     */
    public static java.util.Set<String> identifiers(String expression) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(); // in order: the sandbox takes the first bound one
        int n = expression.length();
        char before = ' ';
        for (int i = 0; i < n; ) {
            char c = expression.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && expression.charAt(j) != c) j += expression.charAt(j) == '\\' ? 2 : 1;
                i = j + 1;
                before = c;
            } else if (Character.isJavaIdentifierStart(c)) {
                int j = i + 1;
                while (j < n && Character.isJavaIdentifierPart(expression.charAt(j))) j++;
                if (before != '.') out.add(expression.substring(i, j));
                before = 'a';
                i = j;
            } else {
                if (!Character.isWhitespace(c)) before = c;
                i++;
            }
        }
        return out;
    }

    private static void lhs(BaseDescr d, StringBuilder b) {
        if (d instanceof PatternDescr p) {
            b.append(p.getIdentifier() == null ? "" : p.getIdentifier() + ":").append(p.getObjectType()).append('(');
            for (BaseDescr c : p.getDescrs()) {
                // The sandbox's deadline is not the analyst's text: adding it changed no rule's signature.
                if (c instanceof ExprConstraintDescr e && Deadline.isCall(e.getExpression())) continue;
                b.append(c instanceof ExprConstraintDescr e ? e.getExpression() : c.getText()).append(';');
            }
            b.append(')');
            PatternSourceDescr src = p.getSource();
            if (src instanceof AccumulateDescr a) {
                b.append(" accumulate[");
                lhs(a.getInput(), b);
                for (var fn : a.getFunctions()) b.append(fn.getBind()).append('=').append(fn.getFunction()).append(List.of(fn.getParams()));
                b.append(']');
            } else if (src instanceof CollectDescr c) {
                b.append(" collect[");
                lhs(c.getInputPattern(), b);
                b.append(']');
            } else if (src instanceof FromDescr f) {
                b.append(" from ").append(f.getDataSource() == null ? "" : f.getDataSource().getText());
            }
        } else if (d instanceof EvalDescr e) {
            b.append("eval(").append(e.getContent()).append(')');
        } else if (d instanceof ConditionalElementDescr ce) {
            b.append(d.getClass().getSimpleName().replace("Descr", "").toLowerCase()).append('{');
            for (Object o : ce.getDescrs()) {
                lhs((BaseDescr) o, b);
                b.append(' ');
            }
            b.append('}');
        }
    }
}
