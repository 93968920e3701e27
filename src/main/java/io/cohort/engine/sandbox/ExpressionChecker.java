package io.cohort.engine.sandbox;

import com.github.javaparser.ParseProblemException;
import com.github.javaparser.ast.expr.*;
import io.cohort.model.Activity;
import io.cohort.model.Entity;
import io.cohort.model.Now;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks one expression of a condition (a constraint operand, an eval, an accumulate argument)
 * against the allow-list, on JavaParser's tree: field reads of the fact model, bound variables,
 * literals, arithmetic, comparisons, and the listed methods. Returns the expression's type and,
 * when it is an id, which entity it names and how far away. The caller compiles the canonical
 * text printed from the same tree, so what runs is what was checked.
 */
final class ExpressionChecker {
    /** What a checked expression is. {@code patternField}: a bare field of the pattern being matched. */
    record Value(TypeRef type, Entity entity, int level, String patternField) {
        static Value of(TypeRef t) { return new Value(t, null, -1, null); }
    }

    /** Facts about the whole rule gathered while checking its expressions. */
    static final class RuleUse {
        /** The rule reads the time other than through an Activity helper's window. */
        boolean clockDependent;
        /** Activity window helpers take $now.daysAgo/hoursAgo: time moves memberships. */
        boolean windowed;
        /** The lengths (millis) of those windows. */
        final java.util.Set<Long> windows = new java.util.TreeSet<>();
        /**
         * Stored times compared with the clock ({@code createdDate > $now.daysAgo(30)}): field →
         * offsets (millis) at which the comparison turns. The engine finds the facts whose value
         * crossed one as time moved, and evaluates only the people who can see them.
         */
        final Map<String, java.util.Set<Long>> fieldWindows = new java.util.TreeMap<>();
    }

    /**
     * @param patternType the type whose fields bare names read (null outside a pattern)
     */
    record Ctx(TypeRef patternType, Scope scope, FactModel model, RuleUse use) {}

    private ExpressionChecker() {}

    /**
     * How deep one expression may nest: a chain of operators or calls (a + b + c…, x.trim().trim()…)
     * nests one level per link without a bracket, and reading, checking and compiling it recurse
     * once per level; tens of thousands overflowed the stack of the thread compiling the rules.
     */
    static final int MAX_DEPTH = 100;

    static Expression parse(JavaParsers parsers, String text) {
        com.github.javaparser.ParseResult<Expression> r;
        try {
            r = parsers.expression(text);
        } catch (StackOverflowError e) {
            throw new Refusal(tooDeep(text, -1));
        }
        if (!r.isSuccessful() || r.getResult().isEmpty()) {
            String why = r.getProblems().isEmpty() ? "" : r.getProblems().get(0).getMessage();
            if (text.contains("'")) why = "use double quotes for text (\"Attended\"), not single quotes";
            else if (text.contains("!.")) why = "'!.' (null-safe access) is not supported: test 'x != null && x.…' instead";
            else if (text.contains("#")) why = "inline casts (#) are not allowed";
            else if (why.contains("\n")) why = why.substring(0, why.indexOf('\n'));
            throw new Refusal("cannot read '" + abbreviate(text) + "' as an expression: " + why);
        }
        Expression e = r.getResult().get();
        int depth = depth(e);
        if (depth > MAX_DEPTH) throw new Refusal(tooDeep(text, depth));
        return e;
    }

    private static String tooDeep(String text, int depth) {
        return "'" + abbreviate(text) + "' nests " + (depth < 0 ? "thousands of" : String.valueOf(depth)) + " levels deep (a chain of "
                + "operators or calls such as a + b + c…); at most " + MAX_DEPTH + " are allowed: split it into several "
                + "conditions, or match a list of values with in (…)";
    }

    /** The depth of an expression tree, counted without recursion (the tree may be deeper than the stack). */
    static int depth(com.github.javaparser.ast.Node root) {
        int max = 0;
        Deque<Map.Entry<com.github.javaparser.ast.Node, Integer>> todo = new ArrayDeque<>();
        todo.push(Map.entry(root, 1));
        while (!todo.isEmpty()) {
            var n = todo.pop();
            max = Math.max(max, n.getValue());
            if (max > MAX_DEPTH) return max;
            for (com.github.javaparser.ast.Node c : n.getKey().getChildNodes()) todo.push(Map.entry(c, n.getValue() + 1));
        }
        return max;
    }

    static Value check(Expression e, Ctx ctx) {
        if (e instanceof EnclosedExpr en) return check(en.getInner(), ctx);
        if (e instanceof StringLiteralExpr) return Value.of(TypeRef.STRING);
        if (e instanceof IntegerLiteralExpr || e instanceof LongLiteralExpr) {
            if (((LiteralStringValueExpr) e).getValue().contains("_")) throw Refusal.at("write numbers without '_' separators", e);
            return Value.of(TypeRef.of(e instanceof IntegerLiteralExpr ? Integer.class : Long.class));
        }
        if (e instanceof DoubleLiteralExpr d) {
            if (d.getValue().contains("_")) throw Refusal.at("write numbers without '_' separators", e);
            return Value.of(TypeRef.of(Double.class));
        }
        if (e instanceof BooleanLiteralExpr) return Value.of(TypeRef.BOOLEAN);
        if (e instanceof NullLiteralExpr) return Value.of(TypeRef.NULL);
        if (e instanceof CharLiteralExpr) return Value.of(TypeRef.STRING);
        if (e instanceof ThisExpr) {
            if (ctx.patternType() == null) throw Refusal.at("'this' means the fact of a pattern; use a bound variable here", e);
            return new Value(ctx.patternType(), null, -1, "this");
        }
        if (e instanceof NameExpr n) return name(n, ctx);
        if (e instanceof FieldAccessExpr f) return field(f, ctx);
        if (e instanceof MethodCallExpr m) return call(m, ctx);
        if (e instanceof UnaryExpr u) return unary(u, ctx);
        if (e instanceof BinaryExpr b) return binary(b, ctx);
        if (e instanceof ConditionalExpr c) {
            expect(check(c.getCondition(), ctx), TypeRef.BOOLEAN, c.getCondition(), "the condition of '?:'");
            Value a = check(c.getThenExpr(), ctx);
            check(c.getElseExpr(), ctx);
            return Value.of(a.type());
        }
        throw Refusal.at(describe(e) + " is not allowed in a condition. Conditions may read fields, bound "
                + "variables and literals, compare, calculate, and call the fact model's helpers (rules/README.md §2)", e);
    }

    private static String describe(Expression e) {
        if (e instanceof ObjectCreationExpr o) return "'new " + o.getType().getNameAsString() + "'";
        if (e instanceof CastExpr) return "a cast";
        if (e instanceof LambdaExpr || e instanceof MethodReferenceExpr) return "a lambda";
        if (e instanceof ArrayAccessExpr) return "'[…]' (use attr(\"name\") for attributes)";
        if (e instanceof AssignExpr) return "an assignment ('=' sets a value; compare with '==')";
        if (e instanceof ClassExpr) return "'.class'";
        if (e instanceof InstanceOfExpr) return "'instanceof'";
        if (e instanceof TextBlockLiteralExpr) return "a text block";
        if (e instanceof SwitchExpr) return "'switch'";
        return "'" + abbreviate(e.toString()) + "'";
    }

    private static Value name(NameExpr n, Ctx ctx) {
        String name = n.getNameAsString();
        Optional<Var> v = ctx.scope().find(name);
        if (v.isPresent()) {
            Var var = v.get();
            if (var.isNow()) ctx.use().clockDependent = true;
            return new Value(var.type(), var.entity(), var.level(), null);
        }
        if (name.startsWith("$")) {
            throw Refusal.at("'" + name + "' is not bound: bind it in an earlier pattern, e.g. "
                    + (name.equals("$now") ? "$now : Now()" : name + " : Person()") + suggest(name, ctx.scope().names()), n);
        }
        if (ctx.patternType() == null) {
            throw Refusal.at("'" + name + "' is not a bound variable" + suggest(name, ctx.scope().names()), n);
        }
        var p = ctx.model().property(ctx.patternType(), name);
        if (p.isEmpty()) throw Refusal.at(unknownField(ctx.patternType(), name, ctx.model()), n);
        return new Value(p.get().type(), p.get().ref(), -1, name);
    }

    private static Value field(FieldAccessExpr f, Ctx ctx) {
        Expression scope = f.getScope();
        if (scope instanceof NameExpr sn && ctx.scope().find(sn.getNameAsString()).isEmpty()
                && !sn.getNameAsString().startsWith("$") && (ctx.patternType() == null
                || ctx.model().property(ctx.patternType(), sn.getNameAsString()).isEmpty())) {
            String bound = "$" + sn.getNameAsString();
            if (ctx.scope().find(bound).isPresent()) {
                throw Refusal.at("'" + sn + "' is not bound; variables start with '$': did you mean '" + bound + "." + f.getNameAsString() + "'?", f);
            }
            throw Refusal.at("'" + f + "' is not allowed: rule files may name only the fact model (rules/README.md §2)", f);
        }
        Value owner = check(scope, ctx);
        String name = f.getNameAsString();
        if (!owner.type().isDeclared() && !FactModel.FACTS.containsValue(owner.type().raw())
                && !FactModel.VALUES.containsValue(owner.type().raw())) {
            throw Refusal.at("'" + f + "': a " + owner.type().display() + " has no fields to read here", f);
        }
        var p = ctx.model().property(owner.type(), name);
        if (p.isEmpty()) throw Refusal.at(unknownField(owner.type(), name, ctx.model()), f);
        int level = -1;
        if (scope instanceof NameExpr sn) {
            Var var = ctx.scope().find(sn.getNameAsString()).orElse(null);
            if (var != null && p.get().ref() != null) level = var.fieldLevels().getOrDefault(name, var.factLevel());
        }
        return new Value(p.get().type(), p.get().ref(), level, null);
    }

    private static Value call(MethodCallExpr m, Ctx ctx) {
        String name = m.getNameAsString();
        if (m.getTypeArguments().isPresent()) throw Refusal.at("type arguments are not allowed", m);
        if (m.getScope().isEmpty()) {
            if (ctx.patternType() == null) {
                throw Refusal.at("'" + name + "(…)' is not allowed: functions are not allowed in rule files; call a "
                        + "helper of a fact (rules/README.md §2)", m);
            }
            return invoke(m, ctx.patternType(), null, ctx);
        }
        Expression scope = m.getScope().get();
        if (scope instanceof NameExpr sn && ctx.scope().find(sn.getNameAsString()).isEmpty()
                && FactModel.isStaticOwner(sn.getNameAsString())
                && (ctx.patternType() == null || ctx.model().property(ctx.patternType(), sn.getNameAsString()).isEmpty())) {
            List<FactModel.Callable> cs = ctx.model().statics(sn.getNameAsString(), name);
            if (cs.isEmpty()) throw Refusal.at("'" + sn + "." + name + "' is not allowed", m);
            return Value.of(pick(cs, m, ctx, sn + "." + name).returns());
        }
        if (scope instanceof NameExpr sn && !sn.getNameAsString().startsWith("$") && ctx.scope().find(sn.getNameAsString()).isEmpty()
                && (ctx.patternType() == null || ctx.model().property(ctx.patternType(), sn.getNameAsString()).isEmpty())) {
            throw Refusal.at("'" + sn + "." + name + "' is not allowed: rule files may name only the fact model "
                    + "(rules/README.md §2)", m);
        }
        if (scope instanceof FieldAccessExpr fa && looksQualified(fa)) {
            throw Refusal.at("'" + abbreviate(m.toString()) + "' is not allowed: rule files may name only the fact model", m);
        }
        Var nowVar = scope instanceof NameExpr sn ? ctx.scope().find(sn.getNameAsString()).filter(Var::isNow).orElse(null) : null;
        boolean clockBefore = ctx.use().clockDependent;
        Value owner = nowVar != null ? new Value(nowVar.type(), null, -1, null) : check(scope, ctx);
        if (nowVar != null) ctx.use().clockDependent = true; // unless the caller takes it as a window (see windowArg)
        Value result = invoke(m, owner.type(), scope, ctx);
        if (COMPARISONS.contains(name) && m.getArguments().size() == 1 && timeEdge(scope, m.getArgument(0), ctx)) {
            ctx.use().clockDependent = clockBefore;
        }
        return result;
    }

    private static final java.util.Set<String> COMPARISONS = java.util.Set.of("isAfter", "isBefore", "isEqual", "equals", "compareTo");

    /**
     * Stored times the engine can watch as time moves: {@code Opportunity.createdDate} and
     * {@code closeDate}; an event's {@code timestamp} (from an Activity) is a window on the
     * person's events like the Activity helpers'.
     */
    private static final java.util.Set<String> WATCHED = java.util.Set.of("Opportunity.createdDate", "Opportunity.closeDate");

    /**
     * Whether {@code field} is a stored time the engine can watch and {@code clock} is the clock
     * read with a fixed offset ({@code $now.daysAgo(30)}, {@code $now.instant},
     * {@code $now.date().minusDays(90)}); if so, records the offset at which the comparison turns.
     */
    static boolean timeEdge(Expression field, Expression clock, Ctx ctx) {
        Long offset = clockOffset(clock, ctx);
        if (offset == null) return false;
        String owner;
        String name;
        if (field instanceof NameExpr n && ctx.patternType() != null && ctx.scope().find(n.getNameAsString()).isEmpty()) {
            owner = ctx.patternType().raw().getSimpleName();
            name = n.getNameAsString();
        } else if (field instanceof FieldAccessExpr f && f.getScope() instanceof NameExpr sn) {
            Optional<Var> v = ctx.scope().find(sn.getNameAsString());
            if (v.isEmpty() || v.get().isNow()) return false;
            owner = v.get().type().raw().getSimpleName();
            name = f.getNameAsString();
        } else {
            return false;
        }
        if (owner.equals("Event") && name.equals("timestamp")) {
            ctx.use().windowed = true;
            ctx.use().windows.add(offset);
            return true;
        }
        String key = owner + "." + name;
        if (!WATCHED.contains(key)) return false;
        ctx.use().windowed = true;
        ctx.use().fieldWindows.computeIfAbsent(key, k -> new java.util.TreeSet<>()).add(offset);
        return true;
    }

    /**
     * How far before now {@code e} reads the clock, in millis, when it is {@code $now.instant},
     * {@code $now.daysAgo(n)}, {@code $now.hoursAgo(n)}, {@code $now.date()} or
     * {@code $now.date().minusDays(n)} / {@code plusDays(n)} with literal n; null otherwise.
     */
    private static Long clockOffset(Expression e, Ctx ctx) {
        if (e instanceof EnclosedExpr en) return clockOffset(en.getInner(), ctx);
        if (e instanceof FieldAccessExpr f && f.getNameAsString().equals("instant") && isNowVar(f.getScope(), ctx)) return 0L;
        if (!(e instanceof MethodCallExpr m) || m.getScope().isEmpty()) return null;
        Expression scope = m.getScope().get();
        String name = m.getNameAsString();
        if (isNowVar(scope, ctx)) {
            if (name.equals("date") && m.getArguments().isEmpty()) return 0L;
            Long n = literal(m);
            if (n == null) return null;
            return switch (name) {
                case "daysAgo" -> n * 86_400_000L;
                case "hoursAgo" -> n * 3_600_000L;
                default -> null;
            };
        }
        if (scope instanceof MethodCallExpr inner && inner.getNameAsString().equals("date") && inner.getArguments().isEmpty()
                && inner.getScope().isPresent() && isNowVar(inner.getScope().get(), ctx)) {
            Long n = literal(m);
            if (n == null) return null;
            return switch (name) {
                case "minusDays" -> n * 86_400_000L;
                case "plusDays" -> -n * 86_400_000L;
                case "minusWeeks" -> n * 7 * 86_400_000L;
                case "plusWeeks" -> -n * 7 * 86_400_000L;
                default -> null;
            };
        }
        return null;
    }

    private static boolean isNowVar(Expression e, Ctx ctx) {
        return e instanceof NameExpr n && ctx.scope().find(n.getNameAsString()).map(Var::isNow).orElse(false);
    }

    private static Long literal(MethodCallExpr m) {
        if (m.getArguments().size() != 1 || !(m.getArgument(0) instanceof IntegerLiteralExpr i)) return null;
        return i.asNumber().longValue();
    }

    private static boolean looksQualified(FieldAccessExpr fa) {
        Expression s = fa;
        while (s instanceof FieldAccessExpr f) s = f.getScope();
        return s instanceof NameExpr n && !n.getNameAsString().startsWith("$") && Character.isLowerCase(n.getNameAsString().charAt(0))
                && List.of("java", "javax", "jdk", "sun", "org", "com", "io", "net").contains(n.getNameAsString());
    }

    private static Value invoke(MethodCallExpr m, TypeRef owner, Expression scope, Ctx ctx) {
        String name = m.getNameAsString();
        List<FactModel.Callable> helpers = ctx.model().helpers(owner, name);
        if (!helpers.isEmpty()) {
            FactModel.Callable c = pickHelper(helpers, m, owner, ctx);
            return Value.of(c.returns());
        }
        List<FactModel.Callable> jdk = ctx.model().jdkMethods(owner, name);
        if (!jdk.isEmpty()) return Value.of(pick(jdk, m, ctx, name).returns());
        var prop = ctx.model().property(owner, name);
        if (prop.isPresent() && m.getArguments().isEmpty()) {
            throw Refusal.at("in a condition read the field by name: '" + (scope == null ? "" : scope + ".") + name
                    + "' instead of '" + name + "()'", m);
        }
        List<String> known = new ArrayList<>(ctx.model().allHelpers(owner).stream().map(FactModel.Callable::name).toList());
        known.addAll(ctx.model().jdkMethodNames(owner));
        throw Refusal.at("'" + name + "(…)' is not allowed on " + article(owner) + suggest(name, known)
                + (known.isEmpty() ? "" : "; allowed: " + String.join(", ", known.stream().distinct().sorted().toList())), m);
    }

    /** A helper of Activity taking a time: $now.daysAgo(n) there is a sliding window, not a clock read. */
    private static FactModel.Callable pickHelper(List<FactModel.Callable> cs, MethodCallExpr m, TypeRef owner, Ctx ctx) {
        boolean activity = owner.raw() == Activity.class;
        List<Value> args = new ArrayList<>();
        for (Expression a : m.getArguments()) {
            if (activity && isWindow(a, ctx)) {
                ctx.use().windowed = true;
                MethodCallExpr w = (MethodCallExpr) a;
                long n = ((IntegerLiteralExpr) w.getArgument(0)).asNumber().longValue();
                ctx.use().windows.add(n * (w.getNameAsString().equals("daysAgo") ? 86_400_000L : 3_600_000L));
                args.add(Value.of(TypeRef.of(Instant.class)));
            } else {
                args.add(check(a, ctx));
            }
        }
        return match(cs, m, args, m.getNameAsString());
    }

    /** {@code $now.daysAgo(<int literal>)} or {@code $now.hoursAgo(<int literal>)}. */
    private static boolean isWindow(Expression a, Ctx ctx) {
        if (!(a instanceof MethodCallExpr mc) || mc.getScope().isEmpty() || !(mc.getScope().get() instanceof NameExpr sn)) return false;
        Optional<Var> v = ctx.scope().find(sn.getNameAsString());
        return v.isPresent() && v.get().isNow() && (mc.getNameAsString().equals("daysAgo") || mc.getNameAsString().equals("hoursAgo"))
                && mc.getArguments().size() == 1 && mc.getArguments().get(0) instanceof IntegerLiteralExpr;
    }

    private static FactModel.Callable pick(List<FactModel.Callable> cs, MethodCallExpr m, Ctx ctx, String shown) {
        List<Value> args = new ArrayList<>();
        for (Expression a : m.getArguments()) args.add(check(a, ctx));
        return match(cs, m, args, shown);
    }

    private static FactModel.Callable match(List<FactModel.Callable> cs, MethodCallExpr m, List<Value> args, String shown) {
        for (FactModel.Callable c : cs) {
            if (c.params().size() != args.size()) continue;
            boolean ok = true;
            for (int i = 0; i < args.size() && ok; i++) ok = assignable(c.params().get(i), args.get(i).type());
            if (ok) return c;
        }
        throw Refusal.at("no " + shown + " takes (" + String.join(", ", args.stream().map(a -> a.type().display()).toList())
                + "); it takes " + String.join(" or ", cs.stream().map(FactModel.Callable::signature).distinct().toList()), m);
    }

    private static boolean assignable(TypeRef param, TypeRef arg) {
        if (arg.isNull()) return !param.raw().isPrimitive();
        if (param.raw() == Object.class || param.raw() == CharSequence.class && arg.isString()) return true;
        if (param.isNumber() && arg.isNumber()) return true;
        if (param.raw() == Character.class && arg.isString()) return false;
        return param.raw().isAssignableFrom(arg.raw());
    }

    private static Value unary(UnaryExpr u, Ctx ctx) {
        Value v = check(u.getExpression(), ctx);
        switch (u.getOperator()) {
            case LOGICAL_COMPLEMENT -> {
                expect(v, TypeRef.BOOLEAN, u, "'!'");
                return Value.of(TypeRef.BOOLEAN);
            }
            case MINUS, PLUS -> {
                if (!v.type().isNumber()) throw Refusal.at("'" + u.getOperator().asString() + "' needs a number", u);
                return Value.of(v.type());
            }
            default -> throw Refusal.at("'" + u.getOperator().asString() + "' is not allowed (conditions do not change values)", u);
        }
    }

    private static Value binary(BinaryExpr b, Ctx ctx) {
        boolean clockBefore = ctx.use().clockDependent;
        Value l = check(b.getLeft(), ctx);
        Value r = check(b.getRight(), ctx);
        switch (b.getOperator()) {
            case AND, OR -> {
                expect(l, TypeRef.BOOLEAN, b.getLeft(), "'" + b.getOperator().asString() + "'");
                expect(r, TypeRef.BOOLEAN, b.getRight(), "'" + b.getOperator().asString() + "'");
                return Value.of(TypeRef.BOOLEAN);
            }
            case EQUALS, NOT_EQUALS, LESS, LESS_EQUALS, GREATER, GREATER_EQUALS -> {
                if (!l.type().comparableWith(r.type())) {
                    throw Refusal.at("cannot compare " + article(l.type()) + " with " + article(r.type()) + " in '" + abbreviate(b.toString()) + "'", b);
                }
                if (timeEdge(b.getLeft(), b.getRight(), ctx) || timeEdge(b.getRight(), b.getLeft(), ctx)) {
                    ctx.use().clockDependent = clockBefore; // the clock is read only as a window on a stored time
                }
                return Value.of(TypeRef.BOOLEAN);
            }
            case PLUS -> {
                if (l.type().isString() || r.type().isString()) return Value.of(TypeRef.STRING);
                numbers(l, r, b);
                return Value.of(TypeRef.NUMBER);
            }
            case MINUS, MULTIPLY, DIVIDE, REMAINDER -> {
                numbers(l, r, b);
                return Value.of(TypeRef.NUMBER);
            }
            default -> throw Refusal.at("'" + b.getOperator().asString() + "' is not allowed in conditions", b);
        }
    }

    private static void numbers(Value l, Value r, BinaryExpr b) {
        if (!l.type().isNumber() || !r.type().isNumber()) {
            throw Refusal.at("'" + b.getOperator().asString() + "' needs numbers: '" + abbreviate(b.toString()) + "'", b);
        }
    }

    private static void expect(Value v, TypeRef t, com.github.javaparser.ast.Node at, String where) {
        if (v.type().raw() != t.raw() && v.type().raw() != Object.class) {
            throw Refusal.at(where + " needs " + article(t) + ", not " + article(v.type()), at);
        }
    }

    static String article(TypeRef t) {
        String d = t.display();
        return (d.matches("^[AEIOUaeiou].*") ? "an " : "a ") + d;
    }

    static String unknownField(TypeRef t, String name, FactModel model) {
        List<String> fields = model.properties(t).stream().map(FactModel.Property::name).toList();
        List<String> helpers = model.allHelpers(t).stream().map(FactModel.Callable::name).distinct().toList();
        List<String> all = new ArrayList<>(fields);
        all.addAll(helpers);
        return t.display() + " has no field '" + name + "'" + suggest(name, all) + "; its fields: "
                + String.join(", ", fields) + (helpers.isEmpty() ? "" : "; helpers: " + String.join(", ", helpers.stream().map(h -> h + "(…)").toList()));
    }

    /** "; did you mean 'x'?" for the closest name within a small edit distance. */
    static String suggest(String name, java.util.Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(name.toLowerCase(), c.toLowerCase());
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= Math.max(2, name.length() / 3) && !best.equals(name) ? "; did you mean '" + best + "'?" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static String abbreviate(String s) {
        s = s.replaceAll("\\s+", " ");
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Whether a type is the time fact (its variable is the clock). */
    static boolean isNow(TypeRef t) { return t.raw() == Now.class; }

    static Map<String, Object> none() { return Map.of(); }
}
