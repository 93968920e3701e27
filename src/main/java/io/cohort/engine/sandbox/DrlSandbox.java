package io.cohort.engine.sandbox;

import io.cohort.engine.RuleFileNames;
import io.cohort.engine.RuleMessage;
import io.cohort.model.Entity;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.*;
import org.drools.drl.parser.DrlExprParser;
import org.drools.drl.parser.DrlExprParserFactory;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsError;
import org.drools.drl.parser.ParserError;
import org.kie.api.io.Resource;
import org.kie.internal.io.ResourceFactory;

/**
 * The rule language an analyst may write: a defined subset of DRL, checked as an allow-list on
 * Drools' own parse tree (the descriptors its DRL parser produces, each constraint parsed again
 * into an expression tree), never on the text. What is compiled afterwards is the checked tree,
 * with every constraint and consequence printed back from what was checked, so the compiler never
 * sees a character the sandbox did not read the same way.
 *
 * <p>Allowed: package {@value #PACKAGE}; imports of the fact model; declared types with simple
 * fields; rules with @segment/@segmentName/@description and salience/enabled; patterns on fact
 * types joined by id to what is bound before them; field reads, comparisons, arithmetic, literals,
 * bound variables, in/matches/contains/memberOf, the fact model's helpers and a few String, number,
 * date and collection methods; accumulate with built-in functions; not, exists, forall, or; from
 * over a fact's collection; consequences that only insertLogical a Qualified or a declared type.
 * Everything else is refused with file, line, column and what is allowed instead.
 */
public final class DrlSandbox {
    public static final String PACKAGE = "cohort.segments";
    static final int MAX_FILE_CHARS = 1_000_000;
    /**
     * Rules in one rule set, every file and decision-table row together. Drools compiles a rule in
     * ~10–20 ms here and cannot be stopped on the way: a table of 500 rows took 10 s in a fresh
     * JVM (39 s beside the test suite), 1,000 rows 17 s, so a draft of 20,000 rows (a 1 MB
     * workbook) sent to validate would hold a core for many minutes.
     */
    static final int MAX_RULES = 1_000;
    /**
     * Conditions in a rule set, every rule together (ConditionChecker counts them and bounds each
     * rule): a rule set of 100 rules of 100 patterns each (30,000 conditions) took 21 s to check
     * and compile, so 1,000 rules at the limit of one would hold a core for many minutes; real
     * rules have a few each. Past it, the rest of the set is not checked.
     */
    static final int MAX_SET_CONDITIONS = 20_000;
    static final int MAX_NAME = 200;
    static final int MAX_NESTING = 64;
    private static final Pattern SEGMENT_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern UNICODE_ESCAPE = Pattern.compile("\\\\u+[0-9a-fA-F]{4}");
    private static final Pattern DECLARE = Pattern.compile("\\bdeclare\\s+(\\w+)");
    /** In a consequence: {@code new Type(arguments))}, a declared type's fact being inserted. */
    private static final Pattern NEW_INSTANCE = Pattern.compile("new\\s+(\\w+)\\s*\\(([^;]*)\\)\\s*\\)");
    /** An argument of such a {@code new}: a variable, or a bound fact's accessor ($a.id()). */
    private static final Pattern ARGUMENT = Pattern.compile("(\\$?\\w+)(?:\\.(\\w+)\\(\\))?");
    private static final Set<String> RULE_ANNOTATIONS = Set.of("segment", "segmentName", "description");

    /**
     * @param files    file name → the descriptor to compile, checked and rewritten (only when there is no error)
     * @param messages errors and warnings, with file, line and column
     * @param shape    the neighbourhood and time dependence of every segment
     * @param ruleFile rule name → file
     * @param own      segment rule name (of every rule that qualifies people) → its conditions on the qualified person alone
     */
    public record Result(Map<String, PackageDescr> files, List<RuleMessage> messages, RuleSetShape shape,
                         Map<String, String> ruleFile, Map<String, Integer> ruleLine, Map<String, OwnConditions> own) {
        public boolean ok() { return messages.stream().noneMatch(m -> m.level() == RuleMessage.Level.ERROR); }
    }

    /** Checks a whole rule set (file name → DRL text). */
    private final int maxSetConditions;

    public DrlSandbox() { this(MAX_SET_CONDITIONS); }

    /** With another bound of a set's conditions: its test states the rule at a smaller one (checking 20,000 takes seconds). */
    DrlSandbox(int maxSetConditions) { this.maxSetConditions = maxSetConditions; }

    public Result check(Map<String, String> sources) { return check(sources, Map.of()); }

    /**
     * The same, with some files refused before they are read (file → why: not UTF-8 text, say).
     * A refused file is not parsed; like a file that does not parse, the types it declares are
     * reported there and not in every file that uses them.
     */
    public Result check(Map<String, String> sources, Map<String, RuleMessage> refused) {
        List<RuleMessage> messages = new ArrayList<>();
        Map<String, PackageDescr> parsed = new TreeMap<>();
        Map<String, String> brokenDeclares = new HashMap<>();
        for (var e : new TreeMap<>(sources).entrySet()) {
            RuleMessage refusal = refused.get(e.getKey());
            if (refusal != null) messages.add(refusal);
            PackageDescr p = refusal != null ? null : parse(e.getKey(), e.getValue(), messages);
            if (p != null) {
                parsed.put(e.getKey(), p);
            } else {
                Matcher m = DECLARE.matcher(e.getValue());
                while (m.find()) brokenDeclares.put(m.group(1), e.getKey());
            }
        }
        int rules = 0;
        for (var e : parsed.entrySet()) {
            for (RuleDescr r : e.getValue().getRules()) {
                if (++rules == MAX_RULES + 1) {
                    int total = parsed.values().stream().mapToInt(p -> p.getRules().size()).sum();
                    messages.add(RuleMessage.error(e.getKey(), Math.max(0, r.getLine()), Math.max(0, r.getColumn() + 1),
                            "the rule set holds " + total + " rules; at most " + MAX_RULES + " are allowed (each takes the "
                            + "compiler tens of milliseconds, and every validation, preview and reload compiles them all); "
                            + "this is the first one past the limit: cover several cases in one rule (in (…), or an "
                            + "empty table cell for any)"));
                    return new Result(Collections.unmodifiableMap(parsed), List.copyOf(messages), new Reach(List.of()).analyse(),
                            Map.of(), Map.of(), Map.of());
                }
            }
        }
        Map<String, DeclaredType> declared = new LinkedHashMap<>();
        Set<String> segments = new TreeSet<>();
        Map<String, String> ruleFile = new TreeMap<>();
        Map<String, Integer> ruleLine = new HashMap<>();
        parsed.forEach((file, p) -> packageLevel(file, p, declared, segments, ruleFile, ruleLine, messages));
        FactModel model = new FactModel(declared);
        inferRefs(parsed, model);
        List<RuleShape> shapes = new ArrayList<>();
        JavaParsers parsers = new JavaParsers();
        Map<String, String[]> lines = new HashMap<>();
        int conditions = 0;
        boolean tooMany = false;
        for (var e : parsed.entrySet()) {
            for (RuleDescr r : e.getValue().getRules()) {
                if (tooMany) break; // the set is refused: checking the rest would only cost the time the limit saves
                RuleShape s;
                try {
                    // Split once per file: each rule looks up its header's and consequence's lines.
                    String[] source = lines.computeIfAbsent(e.getKey(), f -> sources.get(f).split("\n", -1));
                    s = rule(e.getKey(), source, r, model, segments, brokenDeclares, parsers, messages);
                } catch (StackOverflowError so) {
                    // Bounded above (brackets, depth of an expression, conditions per rule); should a
                    // construct still recurse too deep, it is this rule's error, not the service's.
                    messages.add(RuleMessage.error(e.getKey(), Math.max(0, r.getLine()), 1, "rule \"" + shorten(String.valueOf(
                            r.getName())) + "\": this rule nests too deeply to be checked: split it into several rules"));
                    continue;
                }
                if (s == null) continue;
                shapes.add(s);
                conditions += s.conditions;
                if (conditions > maxSetConditions && !tooMany) {
                    tooMany = true;
                    messages.add(RuleMessage.error(e.getKey(), Math.max(0, r.getLine()), Math.max(1, r.getColumn() + 1), "rule \""
                            + s.name + "\": the rule set holds more than " + maxSetConditions + " conditions (patterns and "
                            + "comparisons) up to this rule; Drools takes milliseconds to compile each, and every validation, "
                            + "preview and reload compiles them all: cover several cases in one condition (in (…)), or remove "
                            + "rules that are no longer used"));
                }
            }
        }
        Reach reach = new Reach(shapes);
        RuleSetShape shape = reach.analyse();
        messages.addAll(reach.messages());
        Map<String, OwnConditions> own = new HashMap<>();
        for (RuleShape s : shapes) {
            if (s.segment == null || !s.qualifies) continue;
            // The consequence's person must be bound by the kept conditions (it is the root Person's id).
            boolean usable = s.qualifiedPersonVar != null && s.ownBound.contains(s.qualifiedPersonVar);
            own.put(s.name, new OwnConditions(s.segment, List.copyOf(s.ownConditions), s.qualifiedPerson,
                    java.util.Set.copyOf(s.ownReads), usable && s.ownConditionsSelective));
        }
        return new Result(Collections.unmodifiableMap(parsed), List.copyOf(messages), shape, ruleFile, ruleLine, Map.copyOf(own));
    }

    private PackageDescr parse(String file, String text, List<RuleMessage> messages) {
        // .csv and .xlsx: decision tables, here as the DRL they were turned into (engine.DecisionTables).
        Optional<String> badName = RuleFileNames.refusal(file);
        if (badName.isPresent()) {
            messages.add(RuleMessage.error(shorten(RuleFileNames.shown(file)), 0, 0, "this file's name is not allowed: " + badName.get()));
            return null;
        }
        if (text.length() > MAX_FILE_CHARS) {
            messages.add(RuleMessage.error(file, 0, 0, "the file has " + text.length() + " characters; rule files are "
                    + "limited to " + MAX_FILE_CHARS));
            return null;
        }
        int before = messages.size();
        Matcher u = UNICODE_ESCAPE.matcher(text);
        while (u.find()) {
            int[] lc = lineColumn(text, u.start());
            messages.add(RuleMessage.error(file, lc[0], lc[1], "the Unicode escape '" + u.group() + "' is not allowed: "
                    + "write the character itself (rule files are UTF-8); escapes only serve to hide code"));
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f) {
                int[] lc = lineColumn(text, i);
                messages.add(RuleMessage.error(file, lc[0], lc[1], String.format("the control character U+%04X is not allowed", (int) c)));
                break;
            }
        }
        int[] deep = tooDeep(text);
        if (deep != null) {
            messages.add(RuleMessage.error(file, deep[0], deep[1], "brackets nested deeper than " + MAX_NESTING + " levels"));
        }
        if (messages.size() > before) return null;
        Resource resource = ResourceFactory.newByteArrayResource(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        resource.setSourcePath(file);
        DrlParser parser = new DrlParser();
        PackageDescr p;
        try {
            p = parser.parse(resource, text);
        } catch (StackOverflowError e) {
            messages.add(RuleMessage.error(file, 0, 0, "cannot parse the file: it nests too deeply (thousands of operators such as "
                    + "'!' or '-' in a row, or conditions chained with 'or'); split its conditions into several rules"));
            return null;
        } catch (Exception e) {
            messages.add(RuleMessage.error(file, 0, 0, "cannot parse the file: " + e.getMessage()));
            return null;
        }
        if (parser.hasErrors() || p == null) {
            for (DroolsError err : parser.getErrors()) {
                int line = err instanceof ParserError pe ? pe.getRow() : err.getLines().length > 0 ? err.getLines()[0] : 0;
                int col = err instanceof ParserError pe ? pe.getCol() + 1 : 0;
                messages.add(RuleMessage.error(file, Math.max(0, line), Math.max(0, col), parserMessage(err.getMessage())
                        + assignmentHint(text, line) + unclosedHint(err.getMessage(), text, line)));
            }
            if (messages.size() == before) messages.add(RuleMessage.error(file, 0, 0, "cannot parse the file"));
            return null;
        }
        p.setResource(resource);
        return p;
    }

    /** "=" where "==" was meant is the commonest slip; Drools' parser only says "mismatched input '='". */
    private static String assignmentHint(String text, int line) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || line > lines.length) return "";
        String l = lines[line - 1].replaceAll("\"[^\"]*\"", "\"\"");
        return l.matches(".*[^=!<>:]=[^=].*") ? ": '=' assigns a value; compare with '=='" : "";
    }

    /**
     * A pattern left open ("Person(title == \"CTO\"") makes the parser stumble only at 'then' or
     * 'end', lines later: point at the bracket that is not closed.
     */
    static String unclosedHint(String message, String text, int line) {
        if (message == null || !message.matches("(?s).*mismatched input '(then|end|rule|when)'.*")) return "";
        String[] lines = text.split("\n", -1);
        int from = line - 1;
        while (from > 0 && !lines[from - 1].stripLeading().startsWith("rule")) from--;
        if (from <= 0) return "";
        Deque<int[]> open = new ArrayDeque<>();
        for (int l = from - 1; l < Math.min(line - 1, lines.length); l++) {
            String t = lines[l];
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '/') break;
                if (c == '"') {
                    i++;
                    while (i < t.length() && t.charAt(i) != '"') i += t.charAt(i) == '\\' ? 2 : 1;
                } else if (c == '(') {
                    open.push(new int[] {l + 1, i + 1});
                } else if (c == ')' && !open.isEmpty()) {
                    open.pop();
                }
            }
        }
        if (open.isEmpty()) return "";
        int[] at = open.peek();
        return ": the '(' at line " + at[0] + ", column " + at[1] + " is not closed";
    }

    /** Drools' parser messages start with "[ERR 102] Line 21:74 …"; the position is shown separately. */
    private static String parserMessage(String m) {
        if (m == null) return "syntax error";
        return m.replaceFirst("^\\[ERR \\d+\\]\\s*Line \\d+:\\d+\\s*", "").strip();
    }

    private void packageLevel(String file, PackageDescr p, Map<String, DeclaredType> declared, Set<String> segments,
                              Map<String, String> ruleFile, Map<String, Integer> ruleLine, List<RuleMessage> messages) {
        if (!PACKAGE.equals(p.getName())) {
            messages.add(RuleMessage.error(file, p.getLine() > 0 ? p.getLine() : 1, 1, "every rule file starts with "
                    + "'package " + PACKAGE + ";' (found '" + shorten(String.valueOf(p.getName())) + "'): the files share "
                    + "their declared types and segments"));
        }
        for (ImportDescr i : p.getImports()) {
            String t = i.getTarget();
            boolean ok = t.equals("io.cohort.model.*") || t.startsWith("io.cohort.model.")
                    && (FactModel.FACTS.containsKey(t.substring(16)) || FactModel.VALUES.containsKey(t.substring(16)))
                    || Set.of("java.time.LocalDate", "java.time.Instant").contains(t);
            if (!ok) {
                messages.add(RuleMessage.error(file, i.getLine(), i.getColumn() + 1, "import '" + shorten(t) + "' is not allowed; "
                        + "rule files import io.cohort.model.* (and may import java.time.LocalDate or java.time.Instant)"));
            }
        }
        refuseAll(file, p.getFunctionImports(), "'import function' is not allowed: call the fact model's helpers", messages);
        refuseAll(file, p.getAccumulateImports(), "'import accumulate' is not allowed: use the built-in accumulate functions", messages);
        refuseAll(file, p.getGlobals(), "globals are not allowed: a rule may only see facts", messages);
        refuseAll(file, p.getFunctions(), "functions are not allowed in rule files: call the fact model's helpers "
                + "(rules/README.md §2), or derive a fact with a rule", messages);
        refuseAll(file, p.getEnumDeclarations(), "enum declarations are not allowed", messages);
        refuseAll(file, new ArrayList<>(p.getEntryPointDeclarations()), "entry points are not allowed", messages);
        refuseAll(file, new ArrayList<>(p.getWindowDeclarations()), "windows are not allowed", messages);
        if (p.getUnit() != null) messages.add(RuleMessage.error(file, p.getUnit().getLine(), 1, "rule units are not allowed"));
        for (AttributeDescr a : p.getAttributes()) {
            if (!(a.getName().equals("dialect") && "java".equals(a.getValue()))) {
                messages.add(RuleMessage.error(file, a.getLine(), a.getColumn() + 1, attributeMessage(a.getName())));
            }
        }
        for (TypeDeclarationDescr t : p.getTypeDeclarations()) declare(file, t, declared, messages);
        for (RuleDescr r : p.getRules()) {
            String name = r.getName();
            if (name == null || name.length() > MAX_NAME || name.isBlank() || name.chars().anyMatch(c -> c < 0x20)) {
                messages.add(RuleMessage.error(file, r.getLine(), 1, "a rule name is 1 to " + MAX_NAME + " printable characters"));
                continue;
            }
            String other = ruleFile.putIfAbsent(name, file);
            if (other != null) {
                messages.add(RuleMessage.error(file, r.getLine(), 1, "rule \"" + name + "\" is already declared in " + other
                        + "; rule names are unique across all files"));
            }
            ruleLine.putIfAbsent(name, r.getLine());
            AnnotationDescr seg = r.getAnnotation("segment");
            if (seg != null && seg.getSingleValueAsString() != null) segments.add(strip(seg.getSingleValueAsString()));
        }
    }

    private static String strip(String s) {
        String t = s.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }

    private void declare(String file, TypeDeclarationDescr t, Map<String, DeclaredType> declared, List<RuleMessage> messages) {
        int line = t.getLine();
        String name = t.getTypeName();
        if (FactModel.FACTS.containsKey(name) || FactModel.VALUES.containsKey(name)) {
            messages.add(RuleMessage.error(file, line, 1, "'" + name + "' is a fact type of the model; declare a type of another name"));
            return;
        }
        if (!name.matches("[A-Z][A-Za-z0-9]{0,99}")) {
            messages.add(RuleMessage.error(file, line, 1, "a declared type's name starts with a capital letter: letters and digits"));
            return;
        }
        if (t.isTrait() || !t.getSuperTypes().isEmpty()) {
            messages.add(RuleMessage.error(file, line, 1, "declared types cannot extend other types or be traits"));
            return;
        }
        if (!t.getAnnotations().isEmpty()) {
            messages.add(RuleMessage.error(file, line, 1, "annotations on declared types (" + String.join(", ",
                    t.getAnnotationNames().stream().map(a -> "@" + a).toList()) + ") are not allowed; mark fields @key"));
            return;
        }
        if (declared.containsKey(name)) {
            messages.add(RuleMessage.error(file, line, 1, "'" + name + "' is already declared in " + declared.get(name).file()
                    + "; declare each type in one file"));
            return;
        }
        LinkedHashMap<String, TypeRef> fields = new LinkedHashMap<>();
        Set<String> keys = new LinkedHashSet<>();
        for (TypeFieldDescr f : t.getFields().values()) {
            String ftype = f.getPattern() == null ? "?" : f.getPattern().getObjectType();
            Optional<TypeRef> tr = FactModel.declarableFieldType(ftype);
            if (tr.isEmpty()) {
                messages.add(RuleMessage.error(file, f.getLine() > 0 ? f.getLine() : line, 1, name + "." + f.getFieldName()
                        + ": type '" + ftype + "' is not allowed; use String, int, long, double, boolean, Instant or LocalDate"));
                return;
            }
            if (f.getInitExpr() != null) {
                messages.add(RuleMessage.error(file, f.getLine() > 0 ? f.getLine() : line, 1, name + "." + f.getFieldName()
                        + ": initial values are not allowed; the rule that inserts the fact gives every value"));
                return;
            }
            for (String a : f.getAnnotationNames()) {
                if (!a.equals("key")) {
                    messages.add(RuleMessage.error(file, f.getLine() > 0 ? f.getLine() : line, 1, name + "." + f.getFieldName()
                            + ": @" + a + " is not allowed; fields may be marked @key"));
                    return;
                }
                keys.add(f.getFieldName());
            }
            fields.put(f.getFieldName(), tr.get());
        }
        if (fields.isEmpty()) {
            messages.add(RuleMessage.error(file, line, 1, "declare at least one field, the id the type describes: accountId : String @key"));
            return;
        }
        if (keys.isEmpty()) {
            messages.add(RuleMessage.warning(file, line, 1, name + " has no @key field: two derivations of the same values "
                    + "are two facts, and rules matching them fire twice. Mark the identifying fields @key"));
        }
        declared.put(name, new DeclaredType(name, fields, keys, file, line, new HashMap<>()));
    }

    /**
     * Learns which entity each declared field names, from the rules inserting the type
     * ({@code new CustomerAccount($a.id())} with {@code $a : Account()}: accountId names an account),
     * before the rules that read the type are checked.
     */
    private void inferRefs(Map<String, PackageDescr> parsed, FactModel model) {
        // Only the rules that insert a declared type teach anything: the others' conditions are not
        // read again here (each constraint parsed once more per pass, at every rule of the set).
        List<RuleDescr> inserting = new ArrayList<>();
        for (PackageDescr p : parsed.values()) {
            for (RuleDescr r : p.getRules()) {
                if (!(r.getConsequence() instanceof String rhs)) continue;
                Matcher m = NEW_INSTANCE.matcher(rhs);
                while (m.find()) {
                    if (model.declared().containsKey(m.group(1))) {
                        inserting.add(r);
                        break;
                    }
                }
            }
        }
        for (int pass = 0; pass < 4 && !inserting.isEmpty(); pass++) {
            boolean changed = false;
            for (RuleDescr r : inserting) {
                // Read again at every pass: a binding of a declared type's field names what the pass before learnt.
                Map<String, Entity> vars = new HashMap<>();
                Map<String, TypeRef> facts = new HashMap<>();
                try {
                    collectBindings(r.getLhs(), model, vars, facts);
                } catch (RuntimeException | StackOverflowError e) {
                    continue; // what cannot be read here is refused, with its position, when the rule is checked
                }
                Matcher m = NEW_INSTANCE.matcher((String) r.getConsequence());
                while (m.find()) {
                    DeclaredType d = model.declared().get(m.group(1));
                    if (d == null) continue;
                    String[] args = m.group(2).split(",");
                    int i = 0;
                    for (String field : d.fields().keySet()) {
                        if (i >= args.length) break;
                        Entity e = entityOf(args[i++].strip(), vars, facts, model);
                        if (e != null && d.refs().putIfAbsent(field, e) == null) changed = true;
                    }
                }
            }
            if (!changed) return;
        }
    }

    private static Entity entityOf(String arg, Map<String, Entity> vars, Map<String, TypeRef> facts, FactModel model) {
        Matcher m = ARGUMENT.matcher(arg);
        if (!m.matches()) return null;
        if (m.group(2) == null) return vars.get(m.group(1));
        TypeRef t = facts.get(m.group(1));
        if (t == null) return null;
        String accessor = m.group(2) + "()";
        return model.properties(t).stream().filter(p -> p.accessor().equals(accessor)).map(FactModel.Property::ref)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    private static void collectBindings(BaseDescr d, FactModel model, Map<String, Entity> vars, Map<String, TypeRef> facts) {
        if (d instanceof PatternDescr p) {
            Optional<TypeRef> t = model.factType(p.getObjectType());
            if (t.isPresent() && p.getIdentifier() != null) facts.put(p.getIdentifier(), t.get());
            for (BaseDescr c : p.getDescrs()) {
                if (!(c instanceof ExprConstraintDescr ec) || t.isEmpty()
                        || ec.getExpression().length() > ConditionChecker.MAX_CONSTRAINT_CHARS) continue;
                DrlExprParser parser = DrlExprParserFactory.getDrlExprParser(DrlParser.DEFAULT_LANGUAGE_LEVEL);
                ConstraintConnectiveDescr tree = parser.parse(ec.getExpression());
                if (tree != null) bindingsIn(tree, t.get(), model, vars);
            }
            if (p.getSource() instanceof AccumulateDescr a && a.getInput() != null) collectBindings(a.getInput(), model, vars, facts);
        } else if (d instanceof ConditionalElementDescr ce) {
            for (Object o : ce.getDescrs()) if (o instanceof BaseDescr b) collectBindings(b, model, vars, facts);
        }
    }

    private static void bindingsIn(BaseDescr d, TypeRef t, FactModel model, Map<String, Entity> vars) {
        if (d instanceof BindingDescr b) {
            model.property(t, b.getExpression().strip()).map(FactModel.Property::ref).ifPresent(e -> vars.put(b.getVariable(), e));
        } else if (d instanceof ConstraintConnectiveDescr cc) {
            cc.getDescrs().forEach(x -> bindingsIn(x, t, model, vars));
        } else if (d instanceof RelationalExprDescr r) {
            bindingsIn(r.getLeft(), t, model, vars);
            bindingsIn(r.getRight(), t, model, vars);
        }
    }

    private RuleShape rule(String file, String[] source, RuleDescr r, FactModel model, Set<String> segments, Map<String, String> brokenDeclares,
                           JavaParsers parsers, List<RuleMessage> messages) {
        String name = r.getName();
        if (name == null || name.length() > MAX_NAME) return null;
        RuleShape shape = new RuleShape(name, file, r.getLine());
        int before = messages.size();
        String where = "rule \"" + name + "\": ";
        if (r.isQuery()) {
            messages.add(RuleMessage.error(file, r.getLine(), 1, "queries are not allowed in rule files"));
            return null;
        }
        if (r.hasParent()) {
            messages.add(RuleMessage.error(file, r.getLine(), 1, where + "'extends' is not allowed: write the conditions out, "
                    + "or derive a fact that both rules match"));
        }
        if (!r.getNamedConsequences().isEmpty()) {
            messages.add(RuleMessage.error(file, r.getLine(), 1, where + "named consequences (then[…]) are not allowed"));
        }
        for (AttributeDescr a : r.getAttributes().values()) {
            String v = a.getValue() == null ? "" : a.getValue().strip();
            boolean ok = switch (a.getName()) {
                case "salience" -> v.matches("-?\\d{1,6}");
                case "enabled" -> v.equals("true") || v.equals("false");
                case "dialect" -> v.equals("java") || v.equals("\"java\"");
                default -> false;
            };
            // Not Drools' line: for no-loop and the like, it is the next token's.
            if (!ok) messages.add(RuleMessage.error(file, headerLine(source, r.getLine(), a.getName()), 1,
                    where + attributeMessage(a.getName())));
        }
        Map<String, Integer> annotationLines = r.getAnnotations().isEmpty() ? Map.of() : annotationLines(source, r.getLine());
        for (AnnotationDescr a : r.getAnnotations()) {
            // Not Drools': an AnnotationDescr has no line.
            int line = annotationLines.getOrDefault(a.getName(), r.getLine());
            if (!RULE_ANNOTATIONS.contains(a.getName())) {
                messages.add(RuleMessage.error(file, line, 1, where + "@" + a.getName()
                        + " is not allowed; rules carry @segment, @segmentName and @description"));
                continue;
            }
            Object v = a.getValue();
            // Drools evaluates an unquoted annotation value as an expression: only quoted text is data.
            if (!(v instanceof String s) || a.getValueMap().size() > 1 || s.length() > 2_000
                    || !s.strip().matches("\"([^\"\\\\]|\\\\.)*\"")) {
                messages.add(RuleMessage.error(file, line, 1, where + "@" + a.getName()
                        + " takes one text in double quotes (at most 2,000 characters)"));
                continue;
            }
            if (a.getName().equals("segment") && !SEGMENT_ID.matcher(strip(s)).matches()) {
                messages.add(RuleMessage.error(file, line, 1, where + "segment id '"
                        + shorten(strip(s)) + "' must be lower-case letters, digits, '.', '_' or '-' (at most 100)"));
            }
        }
        AnnotationDescr seg = r.getAnnotation("segment");
        shape.segment = seg == null || !(seg.getValue() instanceof String s) ? null : strip(s);
        if (messages.size() > before) return null;
        ConditionChecker condition = new ConditionChecker(model, shape, parsers);
        Scope scope;
        try {
            scope = condition.check(r.getLhs());
        } catch (ConditionChecker.At e) {
            messages.add(RuleMessage.error(file, e.line > 0 ? e.line : r.getLine(), e.column, where + cascade(e.getMessage(),
                    brokenDeclares)));
            return null;
        }
        if (shape.segment != null && shape.root != Entity.PERSON) {
            messages.add(RuleMessage.error(file, r.getLine(), 1, where + "a segment rule starts from the person it qualifies: "
                    + "write '$p : Person(…)' as its first pattern (after $now : Now() if it uses the time)"));
            return null;
        }
        if (!(r.getConsequence() instanceof String rhs)) {
            messages.add(RuleMessage.error(file, r.getConsequenceLine(), 1, where + "this consequence is not allowed"));
            return null;
        }
        try {
            String canonical = new ConsequenceChecker(model, segments, parsers).check(rhs, scope, shape, shape.segment);
            r.setConsequence(canonical);
        } catch (Refusal e) {
            int[] start = consequenceStart(source, r.getConsequenceLine(), rhs);
            int line = start[0] + Math.max(0, e.line - 1);
            int column = e.line <= 0 ? 0 : e.line == 1 ? start[1] + e.column - 2 : e.column;
            messages.add(RuleMessage.error(file, line, Math.max(0, column), where + e.getMessage()));
            return null;
        }
        if (shape.segment != null && !shape.qualifies) {
            messages.add(RuleMessage.warning(file, r.getLine(), 1, where + "has @segment(\"" + shape.segment + "\") but "
                    + "qualifies nobody: add insertLogical(new Qualified(\"" + shape.segment + "\", $p.id()))"));
        }
        return shape;
    }

    /**
     * How far a rule's header (from 'rule' to the line that starts with 'when') is read for where
     * something in it is. It was read to the end of the file when the thing was not found and no
     * line began with 'when' ("@ segment(…) when …" on one line, which Drools reads as @segment):
     * a file of 1,000 such rules and a million lines took minutes at every validation. A real header
     * is a few lines.
     */
    static final int MAX_HEADER_LINES = 50;
    static final int MAX_HEADER_CHARS = 20_000;

    /** The line of a rule's header that holds {@code token}; the rule's line when not in the header's first lines. */
    static int headerLine(String[] lines, int ruleLine, String token) {
        int chars = 0;
        int first = Math.max(0, ruleLine - 1);
        for (int i = first; i < lines.length && i < first + MAX_HEADER_LINES && chars < MAX_HEADER_CHARS; i++) {
            String l = withoutLineComment(lines[i], MAX_HEADER_CHARS - chars);
            chars += l.length();
            if (l.contains(token)) return i + 1;
            if (i > first && l.strip().startsWith("when")) break;
        }
        return ruleLine;
    }

    /**
     * The line of each annotation in a rule's header by name ("@segment", also written "@ segment"),
     * the first where one is twice: one pass over the header for all of them, read as far as
     * {@link #headerLine} reads.
     */
    static Map<String, Integer> annotationLines(String[] lines, int ruleLine) {
        Map<String, Integer> out = new HashMap<>();
        int chars = 0;
        int first = Math.max(0, ruleLine - 1);
        for (int i = first; i < lines.length && i < first + MAX_HEADER_LINES && chars < MAX_HEADER_CHARS; i++) {
            String l = withoutLineComment(lines[i], MAX_HEADER_CHARS - chars);
            chars += l.length();
            for (int at = l.indexOf('@'); at >= 0; at = l.indexOf('@', at + 1)) {
                int from = at + 1;
                while (from < l.length() && Character.isWhitespace(l.charAt(from))) from++;
                int to = from;
                while (to < l.length() && (Character.isJavaIdentifierPart(l.charAt(to)) || l.charAt(to) == '.')) to++;
                if (to > from) out.putIfAbsent(l.substring(from, to), i + 1);
            }
            if (i > first && l.strip().startsWith("when")) break;
        }
        return out;
    }

    /** The line up to "//", and at most {@code max} characters of it. */
    private static String withoutLineComment(String line, int max) {
        String head = line.length() > max ? line.substring(0, Math.max(0, max)) : line;
        int comment = head.indexOf("//");
        return comment < 0 ? head : head.substring(0, comment);
    }

    /**
     * Where the consequence text begins in the file: Drools keeps the line of 'then' and the text
     * without its leading blanks, so find the text's first line from there.
     */
    static int[] consequenceStart(String[] lines, int thenLine, String rhs) {
        String first = rhs.strip().lines().findFirst().orElse("").strip();
        for (int i = Math.max(0, thenLine - 1); i < lines.length && !first.isEmpty(); i++) {
            int at = lines[i].indexOf(first);
            if (at >= 0 && (i > thenLine - 1 || lines[i].indexOf("then") < at)) return new int[] {i + 1, at + 1};
        }
        return new int[] {thenLine, 1};
    }

    /** A type declared by a file that does not parse is reported there, not in every file that uses it. */
    private static String cascade(String message, Map<String, String> brokenDeclares) {
        Matcher m = Pattern.compile("^unknown fact type '(\\w+)'").matcher(message);
        if (m.find() && brokenDeclares.containsKey(m.group(1))) {
            return "'" + m.group(1) + "' is declared in " + brokenDeclares.get(m.group(1)) + ", which has errors: fix that "
                    + "file first";
        }
        return message;
    }

    private static String attributeMessage(String name) {
        return switch (name) {
            case "dialect" -> "the MVEL dialect is not allowed: rule files use the Java dialect (the default)";
            case "timer", "calendars", "duration", "date-effective", "date-expires" -> "'" + name + "' is not allowed: "
                    + "Cohort evaluates segments as data arrives and as time passes; compare with the Now fact instead "
                    + "($now : Now(), … > $now.daysAgo(30))";
            case "no-loop", "lock-on-active", "agenda-group", "activation-group", "ruleflow-group", "auto-focus" -> "'"
                    + name + "' is not allowed: segment rules are evaluated as a whole, never in steps";
            default -> "the attribute '" + shorten(name) + "' is not allowed; rules may set salience and enabled";
        };
    }

    private static void refuseAll(String file, Collection<? extends BaseDescr> items, String message, List<RuleMessage> out) {
        for (BaseDescr d : items) out.add(RuleMessage.error(file, Math.max(0, d.getLine()), d.getColumn() + 1, message));
    }

    private static String shorten(String s) { return s.length() <= 80 ? s : s.substring(0, 77) + "..."; }

    /** The 1-based line and column of {@code offset} in {@code text}: how every message of a rule file counts. */
    public static int[] lineColumn(String text, int offset) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new int[] {line, col};
    }

    /**
     * Drools' DRL parser recurses per bracket: a few thousand nested parentheses overflow its stack.
     * Counted outside comments and string literals; no real rule nests anywhere near this deep.
     */
    static int[] tooDeep(String text) {
        int depth = 0;
        int line = 1;
        int col = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            col++;
            if (c == '\n') {
                line++;
                col = 0;
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
                while (i + 1 < text.length() && text.charAt(i + 1) != '\n') i++;
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                for (int j = i; j < (end < 0 ? text.length() : end + 2); j++) if (text.charAt(j) == '\n') { line++; col = 0; }
                i = end < 0 ? text.length() : end + 1;
            } else if (c == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"' && text.charAt(i) != '\n') i += text.charAt(i) == '\\' ? 2 : 1;
            } else if (c == '(' || c == '[' || c == '{') {
                if (++depth > MAX_NESTING) return new int[] {line, col};
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
        }
        return null;
    }
}
