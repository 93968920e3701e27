package io.cohort.engine.sandbox;

import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import io.cohort.model.Entity;
import io.cohort.model.Qualified;
import java.util.*;
import org.drools.drl.ast.descr.*;
import org.drools.drl.parser.DrlExprParser;
import org.drools.drl.parser.DrlExprParserFactory;
import org.drools.drl.parser.DrlParser;

/**
 * Checks the condition (when part) of one rule on Drools' descriptor tree, rewriting every
 * constraint to the canonical text of what was checked. Also works out how far from its start the
 * rule looks: each pattern must be joined (an equality on an id) to something bound before it,
 * and a join through a relation (a person's accounts, an account's people) is one step.
 */
final class ConditionChecker {
    private static final Set<String> OPERATORS = Set.of("==", "!=", "<", "<=", ">", ">=", "matches", "contains",
            "memberOf", "str");
    private static final Set<String> ACCUMULATE_FUNCTIONS = Set.of("sum", "count", "min", "max", "average",
            "collectList", "collectSet");

    /**
     * Conditions in one rule: patterns, condition elements and comparisons (each value of an
     * {@code in (…)} list one). Drools compiles and links each (milliseconds apiece, and one rule
     * cannot be stopped on the way): a rule of 20,000 patterns took 40 s and then overflowed the
     * stack building the network, one of 30,000 comparisons joined by && a minute and the same.
     * Room for an account-based marketing list of up to 2,000 target accounts in one
     * {@code accountId in (…)} (~4 s to check and compile here); Drools turns the list into a chain
     * of || that its expression analysis walks recursively, and 5,000 overflowed its stack.
     */
    static final int MAX_CONDITIONS = 2_000;

    private final FactModel model;
    private final RuleShape shape;
    private final JavaParsers parsers;
    /** Conditions counted so far (see {@link #MAX_CONDITIONS}). */
    private int conditions;
    private final ExpressionChecker.RuleUse use = new ExpressionChecker.RuleUse();
    /** Line of the descriptor being checked, for refusals without a position of their own. */
    private int line;
    private int column;

    ConditionChecker(FactModel model, RuleShape shape, JavaParsers parsers) {
        this.model = model;
        this.shape = shape;
        this.parsers = parsers;
    }

    /** A refusal at a descriptor's position (line, 1-based column). */
    static final class At extends RuntimeException {
        final int line;
        final int column;

        At(String message, int line, int column) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }
    }

    /**
     * A direct conjunct of the condition (not inside or, not, exists, accumulate…), as checked.
     *
     * @param own   null unless it matches the qualified person's own facts: then the kind of fact
     *              and the variables it binds (the pattern's own and its fields', as bound in scope)
     */
    private record Conjunct(PatternDescr pattern, Own own) {}

    private record Own(Class<?> fact, Set<String> binds) {}

    private final List<Conjunct> conjuncts = new ArrayList<>();
    /** Set while the pattern being checked is a direct conjunct of the condition. */
    private boolean direct;
    /** What {@link #place} found of the direct conjunct just checked. */
    private Own own;

    /** Checks the whole condition; returns the scope the consequence sees. */
    Scope check(AndDescr lhs) {
        Scope scope = new Scope(null);
        for (BaseDescr d : flattened(lhs.getDescrs())) {
            direct = d instanceof PatternDescr;
            own = null;
            element(d, scope, true);
            if (d instanceof PatternDescr p) conjuncts.add(new Conjunct(p, own));
        }
        direct = false;
        shape.conditions = conditions;
        ownConditions(scope);
        shape.clockDependent = use.clockDependent;
        shape.windowed = use.windowed;
        shape.windows.addAll(use.windows);
        use.fieldWindows.forEach((f, w) -> shape.fieldWindows.computeIfAbsent(f, k -> new java.util.TreeSet<>()).addAll(w));
        return scope;
    }

    /** The items of a conjunction, with nested 'and's opened (they are conjuncts too). */
    private static List<BaseDescr> flattened(List<? extends BaseDescr> items) {
        List<BaseDescr> out = new ArrayList<>();
        for (BaseDescr d : items) {
            if (d instanceof AndDescr a) out.addAll(flattened(a.getDescrs()));
            else out.add(d);
        }
        return out;
    }

    /**
     * The conditions about the qualified person alone: direct conjuncts matching their own facts
     * (Person, Activity at step 0, their campaign and list memberships; the clock), kept in order when every variable they read is bound
     * by one kept before them. Any subset of the conjuncts holds wherever the whole condition does,
     * so a person these do not match cannot qualify through this rule: a sweep over everyone
     * (a rule edit) evaluates only the people they match with their whole neighbourhood.
     */
    private void ownConditions(Scope scope) {
        Set<String> visible = new HashSet<>(scope.names());
        Set<String> bound = new HashSet<>();
        boolean selective = false;
        for (Conjunct c : conjuncts) {
            if (c.own() == null) continue;
            Set<String> reads = new HashSet<>();
            for (BaseDescr d : c.pattern().getDescrs()) {
                if (d instanceof ExprConstraintDescr ec) reads.addAll(RuleText.identifiers(ec.getExpression()));
            }
            reads.retainAll(visible);
            reads.removeAll(c.own().binds());
            if (!bound.containsAll(reads)) continue;
            shape.ownConditions.add(c.pattern());
            shape.ownReads.add(c.own().fact());
            bound.addAll(c.own().binds());
            selective |= filters(c.pattern());
        }
        shape.ownBound.addAll(bound);
        shape.ownConditionsSelective = selective;
    }

    /** Whether a kept pattern tests something beyond binding and joining to the person. */
    private static boolean filters(PatternDescr p) {
        if ("Now".equals(p.getObjectType())) return false;
        // A campaign or list membership exists for its members only: matching one is a test.
        if (Set.of("CampaignMember", "MarketingListMember").contains(p.getObjectType())) return true;
        for (BaseDescr d : p.getDescrs()) {
            if (!(d instanceof ExprConstraintDescr ec)) return true;
            String e = ec.getExpression().strip();
            if (Deadline.isCall(e)) continue; // the sandbox's, not a test
            if (e.matches("\\$?[A-Za-z_][A-Za-z0-9_]* : [A-Za-z_][A-Za-z0-9_]*")) continue; // a binding
            if (e.matches("personId == \\$?[A-Za-z_][A-Za-z0-9_.()]*")) continue; // the join to the person
            return true;
        }
        return false;
    }

    /** The variables a pattern binds: its own, and its fields' ({@code $a : accountId}; not {@code :=}, which reads one). */
    private static Set<String> binds(PatternDescr p, Joins joins) {
        Set<String> out = new HashSet<>();
        if (p.getIdentifier() != null) out.add(p.getIdentifier());
        for (String[] b : joins.bindings) out.add(b[0]);
        return out;
    }

    /** Relations of a person that are among their own facts (built with the person, not through an account). */
    private static final Set<Class<?>> OWN_LINKS = Set.of(io.cohort.model.CampaignMember.class, io.cohort.model.MarketingListMember.class);

    private void conjunction(List<? extends BaseDescr> items, Scope scope, boolean top) {
        for (BaseDescr d : items) element(d, scope, top);
    }

    private void element(BaseDescr d, Scope scope, boolean top) {
        at(d);
        count();
        if (d instanceof PatternDescr p) {
            pattern(p, scope, top);
        } else if (d instanceof AndDescr a) {
            conjunction(a.getDescrs(), scope, top);
        } else if (d instanceof OrDescr o) {
            List<Map<String, Var>> branches = new ArrayList<>();
            int fromInBranch = 0;
            for (BaseDescr b : o.getDescrs()) {
                Scope child = new Scope(scope);
                element(b, child, top);
                branches.add(child.local());
                if (fromInBranch == 0) fromInBranch = child.ownFrom();
            }
            // Drools runs each branch with what follows the 'or': a 'from' in one is on the chain after it.
            if (fromInBranch > 0) scope.markFrom(fromInBranch);
            // Bindings made in every branch stay visible after the 'or' (as in Drools).
            if (!branches.isEmpty()) {
                for (Var v : branches.get(0).values()) {
                    if (branches.stream().allMatch(b -> b.containsKey(v.name()))) scope.bind(v);
                }
            }
        } else if (d instanceof NotDescr || d instanceof ExistsDescr) {
            Scope child = new Scope(scope);
            conjunction(((ConditionalElementDescr) d).getDescrs().stream().map(BaseDescr.class::cast).toList(), child, false);
        } else if (d instanceof ForallDescr f) {
            Scope child = new Scope(scope);
            conjunction(f.getDescrs(), child, false);
        } else if (d instanceof EvalDescr e) {
            if (!(e.getContent() instanceof String text)) throw refuse("this eval is not allowed");
            e.setContent(expression(text, null, scope, "eval"));
        } else {
            throw refuse(name(d) + " is not allowed in a condition. Allowed: patterns, not, exists, forall, or, "
                    + "accumulate, collect, from over a fact's collection, eval of an allowed expression");
        }
    }

    private void pattern(PatternDescr p, Scope scope, boolean top) {
        boolean conjunct = direct;
        direct = false; // patterns inside this one (accumulate, collect) are not
        if (p.isQuery()) throw refuse("queries are not allowed ('?" + p.getObjectType() + "(…)')");
        if (p.isUnification()) throw refuse("':=' on a pattern is not allowed; bind it with ':'");
        if (!p.getBehaviors().isEmpty()) throw refuse("windows ('over window:…') are not allowed");
        if (!p.getAnnotations().isEmpty()) throw refuse("annotations on patterns are not allowed");
        if (!p.getPositionalConstraints().isEmpty()) {
            throw refuse("positional constraints ('" + p.getObjectType() + "(x;)') are not allowed: name the field, "
                    + "e.g. " + p.getObjectType() + "(accountId == $account)");
        }
        PatternSourceDescr source = p.getSource();
        if (source instanceof AccumulateDescr a) {
            accumulate(p, a, scope);
            return;
        }
        if (source instanceof CollectDescr c) {
            collect(p, c, scope);
            return;
        }
        if (source != null && !(source instanceof FromDescr)) {
            throw refuse("'" + ExpressionChecker.abbreviate(source.getText() == null ? "from …" : source.getText())
                    + "' is not allowed: 'from' may only read a fact's collection (from $activity.events), "
                    + "accumulate or collect");
        }
        TypeRef type;
        Integer fromLevel = null;
        if (source instanceof FromDescr f) {
            type = model.valueType(p.getObjectType()).or(() -> model.factType(p.getObjectType()))
                    .orElseThrow(() -> unknownType(p.getObjectType()));
            int earlier = scope.fromInChain();
            if (earlier > 0) {
                // Events have no id to join on: every element of the first 'from' would be matched
                // with every element of this one (N×N, N×N×N… combinations held in memory at once).
                throw refuse("a second 'from' on the same chain of conditions (the first is at line " + earlier + "): every "
                        + "element of one would be matched with every element of the other, which can exhaust the "
                        + "service's memory. Ask the Activity's helpers (count, any, viewed, countWhere), or give each "
                        + "'from' an accumulate of its own, one after the other: accumulate(Event(…) from $a.events; "
                        + "$n : count(); $n >= 1)");
            }
            fromLevel = from(f, type, scope);
            scope.markFrom(line);
        } else {
            type = model.factType(p.getObjectType()).orElseThrow(() -> unknownType(p.getObjectType()));
        }
        Joins joins = constraints(p, type, scope);
        deadline(p, scope, source instanceof FromDescr from && from.getDataSource() != null ? from.getDataSource().getText() : null);
        if (fromLevel != null) {
            bind(p, type, scope, Map.of(), fromLevel, joins, false);
            shape.reach(fromLevel, line);
            return;
        }
        place(p, type, scope, top, joins, conjunct);
    }

    /**
     * Puts {@code Deadline.ok($v)} first in a pattern that reads {@code $v}, a variable bound before
     * it (the first such in its constraints, else its 'from' source): Drools then evaluates the call
     * for every pair it tries to join, so matching that multiplies stops at the evaluation's deadline
     * ({@link Deadline}). First, because Drools stops at a pair's first failing constraint; after the
     * equality Drools indexes on, which it looks up before any constraint. The same text in every
     * rule of the same pattern keeps Drools sharing their nodes. Not counted, and not the analyst's:
     * added after the pattern was checked.
     */
    private static void deadline(PatternDescr p, Scope scope, String source) {
        String earlier = null;
        for (BaseDescr c : p.getDescrs()) {
            if (!(c instanceof ExprConstraintDescr ec)) continue;
            for (String id : RuleText.identifiers(ec.getExpression())) {
                if (scope.find(id).isPresent()) {
                    earlier = id;
                    break;
                }
            }
            if (earlier != null) break;
        }
        if (earlier == null && source != null && source.length() <= MAX_CONSTRAINT_CHARS) {
            for (String id : RuleText.identifiers(source)) {
                if (scope.find(id).isPresent()) {
                    earlier = id;
                    break;
                }
            }
        }
        if (earlier == null) return;
        ((AndDescr) p.getConstraint()).insertDescr(0, new ExprConstraintDescr(Deadline.CALL + "(" + earlier + ")"));
    }

    /** The id equalities found among a pattern's top-level constraints, and its field bindings. */
    private static final class Joins {
        final Map<String, Integer> fieldLevel = new LinkedHashMap<>();
        final Map<String, Entity> fieldEntity = new LinkedHashMap<>();
        Map<String, Integer> sameAs;
        int sameAsLevel;
        final List<String[]> bindings = new ArrayList<>(); // {var, field}
        String segmentLiteral;
    }

    private Joins constraints(PatternDescr p, TypeRef type, Scope scope) {
        Joins joins = new Joins();
        for (BaseDescr c : p.getDescrs()) {
            at(c);
            if (!(c instanceof ExprConstraintDescr ec)) throw refuse("this constraint is not allowed");
            readable(ec.getExpression());
            DrlExprParser parser = DrlExprParserFactory.getDrlExprParser(DrlParser.DEFAULT_LANGUAGE_LEVEL);
            ConstraintConnectiveDescr tree = parser.parse(ec.getExpression());
            if (parser.hasErrors() || tree == null) {
                throw refuse("cannot read the constraint '" + ExpressionChecker.abbreviate(ec.getExpression()) + "'"
                        + hint(ec.getExpression()));
            }
            String text = ec.getExpression();
            ec.setExpression(connective(tree, type, scope, joins, true, text));
        }
        return joins;
    }

    private static String hint(String text) {
        if (text.matches("(?s).*[^=!<>]=[^=].*")) return ": '=' assigns; compare with '=='";
        return "";
    }

    private String connective(ConstraintConnectiveDescr cc, TypeRef type, Scope scope, Joins joins, boolean conjunct,
                              String text) {
        String sep = switch (cc.getConnective()) {
            case AND -> " && ";
            case OR -> " || ";
            default -> throw refuse("the connective '" + cc.getConnective() + "' is not allowed; use && or ||");
        };
        boolean and = cc.getConnective() == ConnectiveType.AND;
        List<String> parts = new ArrayList<>();
        for (BaseDescr d : cc.getDescrs()) parts.add(operand(d, type, scope, joins, conjunct && and, text));
        String joined = String.join(sep, parts);
        return parts.size() > 1 ? "(" + joined + ")" : joined;
    }

    private String operand(BaseDescr d, TypeRef type, Scope scope, Joins joins, boolean conjunct, String text) {
        if (d instanceof ConstraintConnectiveDescr cc) return connective(cc, type, scope, joins, conjunct, text);
        if (d instanceof RelationalExprDescr r) return relational(r, type, scope, joins, conjunct, text);
        if (d instanceof BindingDescr b) {
            Side s = binding(b, type, scope, joins, text);
            return s.text;
        }
        if (d instanceof AtomicExprDescr a) {
            count();
            Side s = atom(a.getExpression(), type, scope, text);
            if (!s.value.type().isBoolean() && s.value.type().raw() != Object.class) {
                throw refuse("'" + ExpressionChecker.abbreviate(a.getExpression()) + "' is " + ExpressionChecker.article(s.value.type())
                        + ", not a condition; compare it, e.g. " + a.getExpression() + " == …");
            }
            return s.text;
        }
        throw refuse("this constraint is not allowed");
    }

    private record Side(String text, ExpressionChecker.Value value, Expression expr) {}

    private Side atom(String source, TypeRef type, Scope scope, String whole) {
        try {
            Expression e = ExpressionChecker.parse(parsers, source);
            ExpressionChecker.Value v = ExpressionChecker.check(e, new ExpressionChecker.Ctx(type, scope, model, use));
            return new Side(e.toString(), v, e);
        } catch (Refusal r) {
            throw refuseWithin(r, source, whole);
        }
    }

    private Side binding(BindingDescr b, TypeRef type, Scope scope, Joins joins, String whole) {
        String var = b.getVariable();
        if (!var.matches("\\$?[A-Za-z_][A-Za-z0-9_]*")) throw refuse("'" + var + "' is not a variable name");
        Side s = atom(b.getExpression(), type, scope, whole);
        if (s.value.patternField() == null || !(s.expr instanceof NameExpr)) {
            throw refuse("bind a field of the pattern ('" + var + " : accountId'), not an expression");
        }
        Optional<Var> existing = scope.find(var);
        if (b.isUnification() && existing.isPresent()) {
            join(s.value.patternField(), s.value.entity(), existing.get().entity(), existing.get().level(), joins);
        } else {
            if (existing.isPresent()) throw refuse("'" + var + "' is bound twice");
            joins.bindings.add(new String[] {var, s.value.patternField()});
        }
        return new Side(var + (b.isUnification() ? " := " : " : ") + s.text, s.value, s.expr);
    }

    private String relational(RelationalExprDescr r, TypeRef type, Scope scope, Joins joins, boolean conjunct, String text) {
        count();
        String op = r.getOperator();
        if (!OPERATORS.contains(op)) {
            throw refuse("the operator '" + op + "' is not allowed; use ==, !=, <, <=, >, >=, in, matches, contains, memberOf"
                    + (Set.of("after", "before", "coincides", "during", "finishes", "includes", "meets", "overlaps",
                            "starts", "finishedby", "metby", "overlappedby", "startedby").contains(op)
                            ? " (compare instants with < and >, e.g. timestamp > $now.daysAgo(30))" : ""));
        }
        boolean clockBefore = use.clockDependent;
        Side left = side(r.getLeft(), type, scope, joins, text);
        Side right = side(r.getRight(), type, scope, joins, text);
        if (Set.of("==", "!=", "<", "<=", ">", ">=").contains(op) && !r.isNegated()) {
            var ctx = new ExpressionChecker.Ctx(type, scope, model, use);
            // createdDate > $now.daysAgo(30): the clock read as a window on a stored time.
            if (ExpressionChecker.timeEdge(left.expr, right.expr, ctx) || ExpressionChecker.timeEdge(right.expr, left.expr, ctx)) {
                use.clockDependent = clockBefore;
            }
        }
        String shownOp = op;
        switch (op) {
            case "matches" -> {
                if (!left.value.type().isString()) {
                    throw refuse("'matches' tests text, and '" + ExpressionChecker.abbreviate(left.text) + "' is "
                            + ExpressionChecker.article(left.value.type()) + "; compare it with ==, <, > or in (…) instead");
                }
                regex(right);
                // Java's matcher, which Drools' operator uses, backtracks; LinearRegex cannot.
                return (r.isNegated() ? "!" : "") + LinearRegex.CALL + "(" + left.text + ", " + right.text + ")";
            }
            case "contains", "memberOf" -> shownOp = (r.isNegated() ? "not " : "") + op;
            case "str" -> {
                List<String> params = r.getParameters() == null ? List.of() : r.getParameters();
                if (params.size() != 1 || !Set.of("startsWith", "endsWith", "length").contains(params.get(0))) {
                    throw refuse("str[…] takes startsWith, endsWith or length");
                }
                shownOp = (r.isNegated() ? "not " : "") + "str[" + params.get(0) + "]";
            }
            default -> {
                if (r.isNegated()) throw refuse("'not " + op + "' is not allowed");
                if (!left.value.type().comparableWith(right.value.type())) {
                    throw refuse("cannot compare " + ExpressionChecker.article(left.value.type()) + " with "
                            + ExpressionChecker.article(right.value.type()) + " in '" + ExpressionChecker.abbreviate(left.text
                            + " " + op + " " + right.text) + "'");
                }
            }
        }
        if (conjunct && op.equals("==")) {
            if (left.value.patternField() != null && right.value.patternField() == null) joinOn(left, right, scope, joins);
            else if (right.value.patternField() != null && left.value.patternField() == null) joinOn(right, left, scope, joins);
            if ("segmentId".equals(left.value.patternField()) && right.expr instanceof StringLiteralExpr s) joins.segmentLiteral = s.getValue();
        }
        return left.text + " " + shownOp + " " + right.text;
    }

    private Side side(BaseDescr d, TypeRef type, Scope scope, Joins joins, String text) {
        if (d instanceof AtomicExprDescr a) return atom(a.getExpression(), type, scope, text);
        if (d instanceof BindingDescr b) return binding(b, type, scope, joins, text);
        throw refuse("this comparison is not allowed");
    }

    private void joinOn(Side field, Side other, Scope scope, Joins joins) {
        if ("this".equals(field.value.patternField())) {
            if (other.expr instanceof NameExpr n) {
                Var v = scope.find(n.getNameAsString()).orElse(null);
                if (v != null && !v.fieldLevels().isEmpty()) {
                    joins.sameAs = v.fieldLevels();
                    joins.sameAsLevel = v.factLevel();
                }
            }
            return;
        }
        if (other.value.entity() == null || other.value.level() < 0) return;
        join(field.value.patternField(), field.value.entity(), other.value.entity(), other.value.level(), joins);
    }

    private void join(String field, Entity fieldEntity, Entity otherEntity, int otherLevel, Joins joins) {
        if (fieldEntity == null || otherEntity == null) return;
        if (fieldEntity != otherEntity) {
            throw refuse("'" + field + "' holds " + kind(fieldEntity) + " id but is compared with " + kind(otherEntity)
                    + " id: they can never be equal");
        }
        joins.fieldLevel.merge(field, otherLevel, Math::min);
        joins.fieldEntity.put(field, fieldEntity);
    }

    private static String kind(Entity e) {
        return switch (e) {
            case PERSON -> "a person";
            case ACCOUNT -> "an account";
            case OPPORTUNITY -> "an opportunity";
            case CAMPAIGN -> "a campaign";
            case LIST -> "a list";
        };
    }

    /**
     * Where a matched fact sits: how many steps from the rule's start. Refuses a pattern joined to
     * nothing before it (a cross product), except the rule's first pattern and the clock.
     */
    private void place(PatternDescr p, TypeRef type, Scope scope, boolean top, Joins joins, boolean conjunct) {
        Map<String, Integer> levels = new LinkedHashMap<>();
        int factLevel;
        boolean root = false;
        if (!type.isDeclared()) shape.reads.add(type.raw());
        if (ExpressionChecker.isNow(type)) {
            if (conjunct) own = new Own(type.raw(), binds(p, joins));
            bind(p, type, scope, Map.of(), 0, joins, false);
            return;
        }
        List<FactModel.Property> refs = model.properties(type).stream().filter(pr -> pr.ref() != null).toList();
        Map<String, Integer> anchored = new LinkedHashMap<>();
        joins.fieldLevel.forEach((f, l) -> {
            Entity e = joins.fieldEntity.get(f);
            boolean ownGlobal = e.global() && isGlobalFact(type);
            if (!e.global() || ownGlobal) anchored.put(f, l);
        });
        if (joins.sameAs != null) {
            levels.putAll(joins.sameAs);
            factLevel = joins.sameAsLevel;
        } else if (!anchored.isEmpty()) {
            int min = Collections.min(anchored.values());
            if (FactModel.isLink(type)) {
                for (FactModel.Property pr : refs) levels.put(pr.name(), anchored.getOrDefault(pr.name(), min + 1));
                factLevel = Collections.max(levels.values());
            } else {
                for (FactModel.Property pr : refs) levels.put(pr.name(), min);
                factLevel = min;
            }
        } else if (!scope.anchored() && top) {
            if (FactModel.isLink(type) || isGlobalFact(type)) {
                throw refuse("a rule cannot start from " + type.display() + ": start it from a Person (a segment) or an "
                        + "Account or Opportunity (a classification), then join to " + type.display());
            }
            root = true;
            factLevel = 0;
            for (FactModel.Property pr : refs) levels.put(pr.name(), 0);
        } else {
            throw refuse(crossProduct(type, joins, scope));
        }
        if (root) {
            shape.root = rootEntity(type, refs);
        }
        if (type.isDeclared()) {
            shape.uses.add(new RuleShape.Use(type.declared().name(), factLevel, line));
        } else if (type.raw() == Qualified.class) {
            shape.uses.add(new RuleShape.Use("Qualified:" + (joins.segmentLiteral == null ? "*" : joins.segmentLiteral), factLevel, line));
        }
        shape.reach(factLevel, line);
        if (type.raw() == io.cohort.model.Activity.class) shape.readsEvents = true;
        // The person's own facts: what a depth-0 neighbourhood of them holds (their campaign and
        // list memberships joined on their own id; the campaign or list itself is a step away).
        if (conjunct && !type.isDeclared() && (factLevel == 0
                && (type.raw() == io.cohort.model.Person.class || type.raw() == io.cohort.model.Activity.class)
                || OWN_LINKS.contains(type.raw()) && Integer.valueOf(0).equals(joins.fieldLevel.get("personId")))) {
            own = new Own(type.raw(), binds(p, joins));
        }
        bind(p, type, scope, levels, factLevel, joins, root && type.raw() == io.cohort.model.Person.class);
    }

    private static Entity rootEntity(TypeRef type, List<FactModel.Property> refs) {
        if (type.isDeclared()) return refs.isEmpty() ? null : refs.get(0).ref();
        if (type.raw() == io.cohort.model.Account.class) return Entity.ACCOUNT;
        if (type.raw() == io.cohort.model.Opportunity.class) return Entity.OPPORTUNITY;
        return Entity.PERSON;
    }

    private static boolean isGlobalFact(TypeRef t) {
        return t.raw() == io.cohort.model.Campaign.class || t.raw() == io.cohort.model.MarketingList.class;
    }

    private String crossProduct(TypeRef type, Joins joins, Scope scope) {
        String ex = switch (type.display()) {
            case "Account" -> "Account(id == $account) after AccountPerson(personId == $p.id, $account : accountId)";
            case "Opportunity" -> "Opportunity(accountId == $account, won)";
            case "AccountPerson" -> "AccountPerson(personId == $p.id, $account : accountId)";
            case "Activity" -> "Activity(personId == $p.id, …)";
            case "Person" -> "Person(id == $person) after a relation that binds $person";
            case "CampaignMember" -> "CampaignMember(personId == $p.id, $campaign : campaignId)";
            case "Campaign" -> "Campaign(id == $campaign) after CampaignMember(personId == $p.id, $campaign : campaignId)";
            default -> type.display() + "(<id field> == <a bound id>)";
        };
        boolean onlyGlobal = !joins.fieldLevel.isEmpty();
        return type.display() + "(…) is joined to nothing bound before it" + (onlyGlobal ? " but a campaign or list" : "")
                + ": every " + type.display() + " in the data would be matched with every fact before it (a cross product, "
                + "which can exhaust the service's memory). Join it with an id equality, e.g. " + ex;
    }

    private void bind(PatternDescr p, TypeRef type, Scope scope, Map<String, Integer> levels, int factLevel, Joins joins,
                      boolean rootPerson) {
        String id = p.getIdentifier();
        if (id != null) {
            if (!id.matches("\\$?[A-Za-z_][A-Za-z0-9_]*")) throw refuse("'" + id + "' is not a variable name");
            if (scope.find(id).isPresent()) throw refuse("'" + id + "' is bound twice");
            Entity own = model.property(type, "id").map(FactModel.Property::ref).orElse(null);
            scope.bind(new Var(id, type, own, levels.getOrDefault("id", factLevel), Map.copyOf(levels),
                    ExpressionChecker.isNow(type), rootPerson, factLevel));
        }
        for (String[] b : joins.bindings) {
            FactModel.Property pr = model.property(type, b[1]).orElseThrow();
            int level = pr.ref() == null ? -1 : levels.getOrDefault(b[1], factLevel);
            scope.bind(new Var(b[0], pr.type(), pr.ref(), level, Map.of(), false,
                    rootPerson && b[1].equals("id"), level));
        }
    }

    /** {@code from $x.collection}: the pattern reads the elements of a bound fact's collection. */
    private int from(FromDescr f, TypeRef type, Scope scope) {
        String text = f.getDataSource() == null ? "" : f.getDataSource().getText();
        if (text == null) text = f.getExpression();
        Expression e;
        try {
            e = ExpressionChecker.parse(parsers, text);
        } catch (Refusal r) {
            throw refuse("'from " + ExpressionChecker.abbreviate(String.valueOf(text)) + "' is not allowed: 'from' may only read a "
                    + "bound fact's collection, e.g. from $activity.events");
        }
        if (!(e instanceof FieldAccessExpr fa) || !(fa.getScope() instanceof NameExpr n)) {
            throw refuse("'from " + ExpressionChecker.abbreviate(text) + "' is not allowed: 'from' may only read a bound fact's "
                    + "collection, e.g. from $activity.events");
        }
        Var v = scope.find(n.getNameAsString()).orElseThrow(() -> refuse("'" + n + "' is not bound"));
        var prop = model.property(v.type(), fa.getNameAsString())
                .orElseThrow(() -> refuse(ExpressionChecker.unknownField(v.type(), fa.getNameAsString(), model)));
        if (!prop.type().isCollection() || prop.type().element() == null || !prop.type().element().raw().equals(type.raw())) {
            throw refuse("'from " + text + "' does not hold " + type.display() + " facts");
        }
        f.setDataSource(new MVELExprDescr(fa.toString()));
        return v.factLevel();
    }

    private void accumulate(PatternDescr p, AccumulateDescr a, Scope scope) {
        if (a.getInitCode() != null || a.getActionCode() != null || a.getResultCode() != null || a.getReverseCode() != null
                || a.isExternalFunction() && a.getFunctions().isEmpty()) {
            throw refuse("accumulate with init/action/result code is not allowed; use the built-in functions: "
                    + String.join(", ", new TreeSet<>(ACCUMULATE_FUNCTIONS)));
        }
        if (a instanceof GroupByDescr) throw refuse("groupby is not allowed");
        Scope inner = new Scope(scope);
        BaseDescr input = a.getInput();
        if (input == null) throw refuse("accumulate needs a pattern to read");
        if (input instanceof AndDescr and) conjunction(and.getDescrs(), inner, false);
        else element(input, inner, false);
        List<AccumulateDescr.AccumulateFunctionCallDescr> functions = new ArrayList<>(a.getFunctions());
        if (functions.isEmpty()) throw refuse("accumulate needs a function, e.g. $total : sum($amount)");
        List<AccumulateDescr.AccumulateFunctionCallDescr> rewritten = new ArrayList<>();
        List<Var> results = new ArrayList<>();
        for (var fn : functions) {
            if (!ACCUMULATE_FUNCTIONS.contains(fn.getFunction())) {
                throw refuse("the accumulate function '" + fn.getFunction() + "' is not allowed; use "
                        + String.join(", ", new TreeSet<>(ACCUMULATE_FUNCTIONS)));
            }
            if (fn.isUnification()) throw refuse("':=' on an accumulate result is not allowed");
            String[] params = fn.getParams() == null ? new String[0] : fn.getParams();
            String[] canon = new String[params.length];
            TypeRef argType = TypeRef.OBJECT;
            for (int i = 0; i < params.length; i++) {
                Side s = atom(params[i], null, inner, params[i]);
                canon[i] = s.text;
                argType = s.value.type();
            }
            if (params.length > 1 || params.length == 0 && !fn.getFunction().equals("count")) {
                throw refuse(fn.getFunction() + "(…) takes one argument");
            }
            TypeRef result = switch (fn.getFunction()) {
                case "count" -> TypeRef.of(Long.class);
                case "average" -> TypeRef.of(Double.class);
                case "collectList" -> TypeRef.collection(List.class, argType);
                case "collectSet" -> TypeRef.collection(Set.class, argType);
                default -> {
                    if (!argType.isNumber() && !argType.isTemporal() && argType.raw() != Object.class) {
                        throw refuse(fn.getFunction() + "(…) needs numbers, not " + ExpressionChecker.article(argType));
                    }
                    yield fn.getFunction().equals("sum") ? TypeRef.NUMBER : argType;
                }
            };
            String bind = fn.getBind();
            if (bind != null) {
                if (scope.find(bind).isPresent()) throw refuse("'" + bind + "' is bound twice");
                results.add(Var.value(bind, result, null, -1));
            }
            rewritten.add(new AccumulateDescr.AccumulateFunctionCallDescr(fn.getFunction(), bind, false, canon));
        }
        a.getFunctions().clear();
        rewritten.forEach(fn -> a.addFunction(fn));
        results.forEach(scope::bind);
        // The result pattern: Object() for the function form, or $x : Number() from accumulate(…, sum(…)).
        String t = p.getObjectType();
        TypeRef resultType = functions.size() == 1 && results.size() == 1 ? results.get(0).type() : TypeRef.OBJECT;
        if (!Set.of("Object", "Number", "Double", "Long", "Integer", "java.util.List", "List", "Set", "Collection").contains(t)) {
            throw refuse("'" + t + "() from accumulate' is not allowed; bind the function: $total : sum($amount)");
        }
        Joins none = new Joins();
        for (BaseDescr c : p.getDescrs()) {
            at(c);
            if (!(c instanceof ExprConstraintDescr ec)) throw refuse("this constraint is not allowed");
            readable(ec.getExpression());
            DrlExprParser parser = DrlExprParserFactory.getDrlExprParser(DrlParser.DEFAULT_LANGUAGE_LEVEL);
            ConstraintConnectiveDescr tree = parser.parse(ec.getExpression());
            if (parser.hasErrors() || tree == null) {
                throw refuse("cannot read the constraint '" + ExpressionChecker.abbreviate(ec.getExpression()) + "'" + hint(ec.getExpression()));
            }
            ec.setExpression(connective(tree, t.equals("Object") ? null : resultType, scope, none, false, ec.getExpression()));
        }
        if (p.getIdentifier() != null) {
            if (scope.find(p.getIdentifier()).isPresent()) throw refuse("'" + p.getIdentifier() + "' is bound twice");
            scope.bind(Var.value(p.getIdentifier(), resultType, null, -1));
        }
    }

    private void collect(PatternDescr p, CollectDescr c, Scope scope) {
        String t = p.getObjectType();
        if (!Set.of("java.util.List", "List", "java.util.ArrayList", "ArrayList", "java.util.Collection", "Collection",
                "java.util.Set", "Set").contains(t)) {
            throw refuse("collect gathers into a List, Set or Collection, not " + t);
        }
        Scope inner = new Scope(scope);
        PatternDescr input = c.getInputPattern();
        if (input == null) throw refuse("collect needs a pattern");
        pattern(input, inner, false);
        TypeRef elem = model.factType(input.getObjectType()).or(() -> model.valueType(input.getObjectType())).orElse(TypeRef.OBJECT);
        TypeRef type = TypeRef.collection(t.endsWith("Set") ? Set.class : List.class, elem);
        for (BaseDescr d : p.getDescrs()) {
            at(d);
            if (!(d instanceof ExprConstraintDescr ec)) throw refuse("this constraint is not allowed");
            readable(ec.getExpression());
            DrlExprParser parser = DrlExprParserFactory.getDrlExprParser(DrlParser.DEFAULT_LANGUAGE_LEVEL);
            ConstraintConnectiveDescr tree = parser.parse(ec.getExpression());
            if (parser.hasErrors() || tree == null) throw refuse("cannot read the constraint '" + ExpressionChecker.abbreviate(ec.getExpression()) + "'");
            ec.setExpression(connective(tree, null, scope, new Joins(), false, ec.getExpression()));
        }
        if (p.getIdentifier() != null) {
            if (scope.find(p.getIdentifier()).isPresent()) throw refuse("'" + p.getIdentifier() + "' is bound twice");
            scope.bind(Var.value(p.getIdentifier(), type, null, -1));
        }
    }

    /** An expression standing alone (eval): checked and returned as canonical text. */
    private String expression(String text, TypeRef type, Scope scope, String what) {
        Side s = atom(text, type, scope, text);
        if (!s.value.type().isBoolean() && s.value.type().raw() != Object.class) {
            throw refuse(what + "(…) needs a condition, not " + ExpressionChecker.article(s.value.type()));
        }
        return s.text;
    }

    /** A regular expression must be a literal that {@link LinearRegex} accepts. */
    private void regex(Side right) {
        if (!(right.expr instanceof StringLiteralExpr s)) throw refuse("'matches' takes a literal regular expression in quotes");
        LinearRegex.refusal(s.asString()).ifPresent(why -> { throw refuse(why); });
    }

    private RuntimeException unknownType(String name) {
        List<String> known = new ArrayList<>(FactModel.FACTS.keySet());
        known.addAll(model.declared().keySet());
        return refuse("unknown fact type '" + name + "'" + ExpressionChecker.suggest(name, known) + "; facts: "
                + String.join(", ", known));
    }

    private static String name(BaseDescr d) {
        String n = d.getClass().getSimpleName().replace("Descr", "");
        return switch (n) {
            case "EntryPoint" -> "'from entry-point'";
            case "ConditionalBranch", "NamedConsequence" -> "'do[…]'/'break[…]' (named consequences)";
            default -> "'" + n + "'";
        };
    }

    private void at(BaseDescr d) {
        if (d.getLine() > 0) {
            line = d.getLine();
            column = d.getColumn() + 1;
        }
    }

    private At refuse(String message) { return new At(message, line, column); }

    /**
     * Characters in one pattern's constraint: Drools' expression parser takes time growing with the
     * square of a chain of && or || (30,000 comparisons: half a minute before anything was counted).
     * Enough for an {@code in (…)} list of 2,000 ids of ~20 characters.
     */
    static final int MAX_CONSTRAINT_CHARS = 50_000;

    private void readable(String constraint) {
        if (constraint.length() > MAX_CONSTRAINT_CHARS) {
            throw refuse("this constraint has " + constraint.length() + " characters; at most " + MAX_CONSTRAINT_CHARS
                    + " are allowed: split it into several rules feeding the same segment");
        }
    }

    /** One more condition; refused past {@link #MAX_CONDITIONS}, at the first one over. */
    private void count() {
        if (++conditions > MAX_CONDITIONS) {
            throw refuse("this rule has more than " + MAX_CONDITIONS + " conditions (patterns and comparisons, each value of "
                    + "in (…) one); Drools takes milliseconds to compile each, and every validation, preview and reload "
                    + "compiles them all: split it into several rules feeding the same segment; for a longer list of "
                    + "target accounts, mark them at the source (a custom field) and test that field: "
                    + "attr(\"abm_tier\") == \"1\"");
        }
    }

    /** A refusal inside an operand: placed within the constraint's text where it can be found. */
    private At refuseWithin(Refusal r, String atom, String whole) {
        int l = line;
        int c = column;
        int at = whole == null ? -1 : whole.indexOf(atom);
        if (at >= 0) {
            String before = whole.substring(0, at);
            int nl = before.lastIndexOf('\n');
            int lines = (int) before.chars().filter(ch -> ch == '\n').count();
            if (lines == 0) c = column + at;
            else {
                l = line + lines;
                c = at - nl;
            }
            if (r.line > 1) {
                l += r.line - 1;
                c = r.column;
            } else if (r.column > 0) {
                c += r.column - 1;
            }
        }
        return new At(r.getMessage(), l, c);
    }

    ExpressionChecker.RuleUse use() { return use; }
}
