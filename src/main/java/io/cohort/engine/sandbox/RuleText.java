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

    private static void lhs(BaseDescr d, StringBuilder b) {
        if (d instanceof PatternDescr p) {
            b.append(p.getIdentifier() == null ? "" : p.getIdentifier() + ":").append(p.getObjectType()).append('(');
            for (BaseDescr c : p.getDescrs()) b.append(c instanceof ExprConstraintDescr e ? e.getExpression() : c.getText()).append(';');
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
