package io.cohort.engine.sandbox;

import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.expr.*;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.EmptyStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.Statement;
import io.cohort.model.Entity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a rule's consequence (then part). A consequence only derives: each statement is
 * {@code insertLogical(new Qualified("<segment>", $p.id()))} or
 * {@code insertLogical(new <DeclaredType>(<bound variables, accessors, literals>))}. Anything else
 * is refused, and the consequence that compiles is printed from the checked tree.
 */
final class ConsequenceChecker {
    static final String ALLOWED = "a consequence may only insertLogical(new Qualified(\"<segment>\", $p.id())) or "
            + "insertLogical(new <DeclaredType>(…bound variables and literals…))";

    private final FactModel model;
    private final Set<String> segments;
    private final JavaParsers parsers;

    ConsequenceChecker(FactModel model, Set<String> segments, JavaParsers parsers) {
        this.model = model;
        this.segments = segments;
        this.parsers = parsers;
    }

    /** @return the canonical consequence */
    String check(String rhs, Scope scope, RuleShape shape, String ruleSegment) {
        com.github.javaparser.ParseResult<BlockStmt> r;
        try {
            r = parsers.block("{" + rhs + "\n}");
        } catch (StackOverflowError e) {
            throw new Refusal("this consequence nests thousands of levels deep; " + ALLOWED);
        }
        if (!r.isSuccessful() || r.getResult().isEmpty()) {
            String why = r.getProblems().isEmpty() ? "" : r.getProblems().get(0).getMessage();
            if (rhs.contains("modify") || rhs.contains("update")) why = "facts are never modified";
            throw new Refusal("this consequence is not allowed (" + firstLine(why) + "); " + ALLOWED);
        }
        BlockStmt block = r.getResult().get();
        if (ExpressionChecker.depth(block) > ExpressionChecker.MAX_DEPTH) {
            throw new Refusal("this consequence nests more than " + ExpressionChecker.MAX_DEPTH + " levels deep; " + ALLOWED);
        }
        List<String> out = new ArrayList<>();
        for (Statement s : block.getStatements()) {
            if (s instanceof EmptyStmt) continue;
            if (!(s instanceof ExpressionStmt es) || !(es.getExpression() instanceof MethodCallExpr call)) {
                throw Refusal.at(what(s) + " is not allowed: " + ALLOWED, s);
            }
            out.add(insert(call, scope, shape, ruleSegment) + ";");
        }
        return "\n    " + String.join("\n    ", out) + "\n";
    }

    private String insert(MethodCallExpr call, Scope scope, RuleShape shape, String ruleSegment) {
        String name = call.getNameAsString();
        if (call.getScope().isPresent() || !name.equals("insertLogical")) {
            String hint = switch (name) {
                case "insert" -> ": use insertLogical, so the fact is withdrawn when the condition stops holding";
                case "delete", "retract", "modify", "update" -> ": rules never change the sources' facts";
                default -> "";
            };
            throw Refusal.at("'" + (call.getScope().map(sc -> sc + ".").orElse("") + name) + "(…)' is not allowed" + hint
                    + "; " + ALLOWED, call);
        }
        if (call.getArguments().size() != 1 || !(call.getArgument(0) instanceof ObjectCreationExpr nw)
                || nw.getAnonymousClassBody().isPresent() || nw.getScope().isPresent()) {
            throw Refusal.at("insertLogical takes one 'new …(…)': " + ALLOWED, call);
        }
        String type = nw.getType().getNameAsString();
        if (nw.getType().getScope().isPresent() || nw.getType().getTypeArguments().isPresent()) {
            throw Refusal.at("'new " + nw.getType() + "' is not allowed: " + ALLOWED, nw);
        }
        NodeList<Expression> args = nw.getArguments();
        if (type.equals("Qualified")) {
            shape.qualifies = true;
            if (args.size() != 2 || !(args.get(0) instanceof StringLiteralExpr seg)) {
                throw Refusal.at("write new Qualified(\"<segment id>\", $p.id())", nw);
            }
            String id = seg.asString();
            if (ruleSegment == null) {
                throw Refusal.at("this rule qualifies people for '" + id + "' but has no @segment(\"" + id + "\")", seg);
            }
            if (!id.equals(ruleSegment)) {
                throw Refusal.at("this rule is @segment(\"" + ruleSegment + "\") but qualifies people for '" + id
                        + "'; a rule qualifies for its own segment", seg);
            }
            Value person = arg(args.get(1), scope);
            if (person.var == null || !person.var.rootPerson() || !(person.isId || person.var.entity() == Entity.PERSON && !person.var.isFact())) {
                throw Refusal.at("a segment qualifies the person the rule starts from: start the condition with "
                        + "'$p : Person(…)' and write new Qualified(\"" + id + "\", $p.id())", args.get(1));
            }
            shape.qualifiedPerson = person.text;
            shape.qualifiedPersonVar = person.var.name();
            return "insertLogical(new Qualified(" + seg + ", " + person.text + "))";
        }
        DeclaredType d = model.declared().get(type);
        if (d == null) {
            throw Refusal.at("'new " + type + "' is not allowed: " + ALLOWED + (segments.isEmpty() ? "" : ""), nw);
        }
        if (shape.inserts != null && !shape.inserts.equals(type)) {
            throw Refusal.at("a rule derives one type; this one inserts both " + shape.inserts + " and " + type, nw);
        }
        if (args.size() != d.fields().size()) {
            throw Refusal.at("new " + type + "(…) takes " + d.fields().size() + " value(s), one per field in the order "
                    + "declared: " + String.join(", ", d.fields().keySet()), nw);
        }
        List<String> texts = new ArrayList<>();
        int i = 0;
        int anchor = -1;
        for (var f : d.fields().entrySet()) {
            Value v = arg(args.get(i++), scope);
            if (v.type != null && !f.getValue().comparableWith(v.type)) {
                throw Refusal.at(type + "." + f.getKey() + " is " + ExpressionChecker.article(f.getValue()) + ", not "
                        + ExpressionChecker.article(v.type), args.get(i - 1));
            }
            if (v.entity != null) {
                Entity known = d.refs().get(f.getKey());
                if (known != null && known != v.entity) {
                    throw Refusal.at(type + "." + f.getKey() + " holds " + known.name().toLowerCase() + " ids elsewhere, "
                            + "here " + v.entity.name().toLowerCase() + " ids", args.get(i - 1));
                }
                d.refs().put(f.getKey(), v.entity);
                if (!v.entity.global()) anchor = anchor < 0 ? v.level : Math.min(anchor, v.level);
            }
            texts.add(v.text);
        }
        if (anchor < 0) {
            throw Refusal.at(type + " must carry the id of the person, account or opportunity it describes (e.g. "
                    + "new " + type + "($a.id())), so that it can be evaluated for each of them", nw);
        }
        shape.inserts = type;
        shape.insertLevel = anchor;
        return "insertLogical(new " + type + "(" + String.join(", ", texts) + "))";
    }

    private record Value(String text, TypeRef type, Entity entity, int level, Var var, boolean isId) {}

    /** A constructor argument: a literal, a bound variable, or an accessor of a bound fact. */
    private Value arg(Expression e, Scope scope) {
        if (e instanceof StringLiteralExpr || e instanceof BooleanLiteralExpr || e instanceof NullLiteralExpr) {
            return new Value(e.toString(), e instanceof StringLiteralExpr ? TypeRef.STRING : e instanceof NullLiteralExpr
                    ? TypeRef.NULL : TypeRef.BOOLEAN, null, -1, null, false);
        }
        if (e instanceof IntegerLiteralExpr || e instanceof LongLiteralExpr || e instanceof DoubleLiteralExpr) {
            if (((LiteralStringValueExpr) e).getValue().contains("_")) throw Refusal.at("write numbers without '_'", e);
            return new Value(e.toString(), TypeRef.NUMBER, null, -1, null, false);
        }
        if (e instanceof UnaryExpr u && u.getOperator() == UnaryExpr.Operator.MINUS
                && (u.getExpression() instanceof IntegerLiteralExpr || u.getExpression() instanceof DoubleLiteralExpr)) {
            return new Value(e.toString(), TypeRef.NUMBER, null, -1, null, false);
        }
        if (e instanceof NameExpr n) {
            Var v = scope.find(n.getNameAsString()).orElseThrow(() -> unbound(n, scope));
            if (v.isFact() && !v.type().isNumber() && !v.type().isString()) {
                throw Refusal.at("'" + n + "' is a whole fact; pass one of its fields, e.g. " + n + ".id()", n);
            }
            return new Value(n.toString(), v.type(), v.entity(), v.level(), v, false);
        }
        if (e instanceof FieldAccessExpr f && f.getScope() instanceof NameExpr n && scope.find(n.getNameAsString()).isPresent()) {
            Var v = scope.find(n.getNameAsString()).get();
            String accessor = model.property(v.type(), f.getNameAsString()).map(FactModel.Property::accessor).orElse(null);
            throw Refusal.at("a consequence is Java: write " + n + "." + (accessor == null ? f.getNameAsString() + "()" : accessor)
                    + " instead of " + f, f);
        }
        if (e instanceof MethodCallExpr m && m.getScope().isPresent() && m.getScope().get() instanceof NameExpr n
                && m.getArguments().isEmpty()) {
            Var v = scope.find(n.getNameAsString()).orElseThrow(() -> unbound(n, scope));
            Optional<FactModel.Property> p = model.properties(v.type()).stream()
                    .filter(pr -> pr.accessor().equals(m.getNameAsString() + "()")).findFirst();
            if (p.isEmpty()) {
                throw Refusal.at("'" + m + "' is not allowed: pass a field of " + n + " (" + String.join(", ",
                        model.properties(v.type()).stream().map(FactModel.Property::accessor).map(a -> n + "." + a).toList())
                        + "), a bound variable or a literal", m);
            }
            int level = p.get().ref() == null ? -1 : v.fieldLevels().getOrDefault(p.get().name(), v.factLevel());
            return new Value(m.toString(), p.get().type(), p.get().ref(), level, v, p.get().name().equals("id"));
        }
        throw Refusal.at("'" + ExpressionChecker.abbreviate(e.toString()) + "' is not allowed in a consequence: pass bound "
                + "variables ($account), fields of bound facts ($p.id()) or literals", e);
    }

    private static String what(Statement s) {
        String n = s.getClass().getSimpleName().replace("Stmt", "").toLowerCase();
        return switch (n) {
            case "for", "foreach", "while", "do" -> "a loop ('" + n + "')";
            case "expression" -> "'" + ExpressionChecker.abbreviate(s.toString()) + "'";
            case "localclassdeclaration", "localrecorddeclaration" -> "a class declaration";
            default -> "'" + n + "'";
        };
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    static Map<String, Object> none() { return Map.of(); }

    /** A consequence may use what the condition bound: say which those are. */
    private static Refusal unbound(NameExpr n, Scope scope) {
        List<String> names = scope.names();
        return Refusal.at("'" + n + "' is not bound in the condition" + ExpressionChecker.suggest(n.getNameAsString(), names)
                + (names.isEmpty() ? "" : "; bound: " + String.join(", ", names)), n);
    }
}
