package io.cohort.engine;

import io.cohort.engine.sandbox.DrlSandbox;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.*;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.kie.api.KieBase;
import org.kie.api.KieBaseConfiguration;
import org.kie.api.KieServices;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.Resource;
import org.kie.api.io.ResourceType;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderConfiguration;
import org.kie.internal.builder.KnowledgeBuilderError;
import org.kie.internal.builder.KnowledgeBuilderFactory;
import org.kie.internal.builder.KnowledgeBuilderResult;
import org.kie.internal.builder.ResultSeverity;
import org.kie.internal.io.ResourceFactory;

/**
 * Compiles a set of DRL files into a {@link RuleBook}: every file is checked by the
 * {@link DrlSandbox} first, and what Drools compiles is the sandbox's checked descriptor tree,
 * never the raw text. Errors are data (file, line, column, message); a set with any error yields
 * no RuleBook, so the caller keeps its running one.
 */
public final class RuleCompiler {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RuleCompiler.class);
    private final DrlSandbox sandbox = new DrlSandbox();
    private final Clock clock;
    private final CompiledRuleSets compiled;

    /** A compiler that remembers nothing between compiles (commands, tests, a cluster node's own). */
    public RuleCompiler(Clock clock) {
        this(clock, new CompiledRuleSets());
    }

    /** @param compiled the sets compiled before, shared by the application's compilers */
    public RuleCompiler(Clock clock, CompiledRuleSets compiled) {
        this.clock = clock;
        this.compiled = compiled;
    }

    /** @param files file name (relative to the rules directory) → DRL text */
    public CompileResult compile(Map<String, String> files) { return compile(RuleFiles.of(files)); }

    /**
     * The same for files as read: one that is not UTF-8 text is an error at its first bad byte, one
     * refused before it was read (its name, a failed read) an error at its line 1.
     */
    public CompileResult compile(RuleFiles files) {
        Optional<String> key = CompiledRuleSets.key(files);
        CompileResult known = key.map(compiled::get).orElse(null);
        // The same files compile to the same book; only the time it is compiled at is this call's.
        if (known != null) return new CompileResult(known.ruleBook().map(b -> b.compiledAt(clock.instant())), known.messages());
        CompileResult result = compileAfresh(files);
        key.ifPresent(k -> compiled.put(k, result));
        return result;
    }

    private CompileResult compileAfresh(RuleFiles files) {
        Map<String, String> sources = new TreeMap<>(files.texts());
        // Files that are not text, or were refused unread (their name, a failed read), go to the
        // sandbox only to be refused there (a table unconverted), like a file that does not parse.
        Map<String, RuleMessage> notText = files.problems();
        // Decision tables become DRL first; from there they are rule files like any other.
        Map<String, String> drl = new TreeMap<>();
        Map<String, DecisionTables.Table> tables = new HashMap<>();
        List<RuleMessage> tableErrors = new ArrayList<>();
        sources.forEach((file, text) -> {
            if (!DecisionTables.isTable(file) || notText.containsKey(file)) {
                drl.put(file, text);
                return;
            }
            DecisionTables.Table t = DecisionTables.convert(file, text);
            tableErrors.addAll(t.errors());
            if (t.drl() != null) {
                drl.put(file, t.drl());
                tables.put(file, t);
            }
        });
        DrlSandbox.Result checked = sandbox.check(drl, notText);
        List<RuleMessage> messages = new ArrayList<>(tableErrors);
        messages.addAll(files.passedOver().values());
        messages.addAll(checked.messages());
        if (!checked.ok() || !tableErrors.isEmpty()) return new CompileResult(Optional.empty(), sorted(messages, tables));
        Built built = build(checked.files(), null, true);
        messages.addAll(built.messages);
        if (built.kieBase == null) return new CompileResult(Optional.empty(), sorted(messages, tables));
        KieBase kieBase = built.kieBase;
        // Drools compiles a constraint to bytecode after 20 runs ("jitting"); in 10.2.0 the
        // bytecode of a constraint with an operator such as str[startsWith] calls a method that
        // no longer exists: NoSuchMethodError from then on (apache/incubator-kie-drools#6711,
        // fixed after 10.2.0). Such a rule set runs without jitting (slower), and the analyst is
        // told how to write it. ConstraintJittingTest.
        List<RuleMessage> unjittable = unjittable(kieBase, checked);
        boolean jit = unjittable.isEmpty();
        if (!jit) {
            messages.addAll(unjittable);
            kieBase = build(sandbox.check(drl).files(), null, false).kieBase;
        }
        Map<String, SegmentDefinition> segments = segments(kieBase, checked);
        Map<String, String> ruleFiles = new TreeMap<>(checked.ruleFile());
        List<RuleMessage> located = sorted(messages, tables);
        List<RuleMessage> warnings = located.stream().filter(m -> m.level() == RuleMessage.Level.WARNING).toList();
        // The book keeps the DRL (tables converted): partial KieBases are rebuilt from it.
        RuleBook book = new RuleBook(kieBase, segments, warnings, Map.copyOf(drl), Map.copyOf(sources), Map.copyOf(ruleFiles), hash(sources),
                clock.instant(), checked.shape(), jit, this, signatures(checked));
        return new CompileResult(Optional.of(book), located);
    }

    /**
     * A KieBase of only some rules of a compiled book (a segment and what it depends on), for
     * evaluating one segment apart from the others. The files compiled once, so this cannot fail.
     */
    KieBase partial(RuleBook book, Set<String> rules) {
        DrlSandbox.Result checked = sandbox.check(book.sources());
        Built b = build(checked.files(), rules, book.jitted());
        if (b.kieBase == null) throw new IllegalStateException("rules that compiled together do not compile apart: " + b.messages);
        return b.kieBase;
    }

    /**
     * A KieBase that qualifies a person for one of {@code segments} when the person's own
     * conditions in one of its rules hold ({@link io.cohort.engine.sandbox.OwnConditions}): every
     * rule of those segments cut down to them. Run on people's own facts, it tells who can qualify
     * at all. Empty when some rule of the segments has no such conditions, or none that test
     * anything (everyone would pass), or the cut rules do not compile (then nobody is filtered).
     */
    Optional<Candidates> candidates(RuleBook book, Set<String> segments) {
        try {
            return cut(book, segments);
        } catch (RuntimeException e) {
            // A filter is an optimisation: whatever goes wrong cutting the rules, the sweep evaluates everyone whole.
            LOG.warn("the rules of {} could not be cut down to their own conditions; everyone is evaluated whole", segments, e);
            return Optional.empty();
        }
    }

    private Optional<Candidates> cut(RuleBook book, Set<String> segments) {
        DrlSandbox.Result checked = sandbox.check(book.sources());
        if (!checked.ok()) return Optional.empty();
        Set<String> only = new HashSet<>();
        Set<String> covered = new HashSet<>();
        Set<Class<?>> reads = new HashSet<>(Set.of(io.cohort.model.Person.class));
        for (PackageDescr pkg : checked.files().values()) {
            for (RuleDescr r : pkg.getRules()) {
                var own = checked.own().get(r.getName()); // every rule that qualifies people has one
                if (own == null || !segments.contains(own.segment())) continue;
                if (!own.selective()) return Optional.empty();
                String segment = own.segment();
                AndDescr lhs = new AndDescr();
                own.patterns().forEach(lhs::addDescr);
                reads.addAll(own.reads());
                r.setLhs(lhs);
                r.setConsequence("\n    insertLogical(new Qualified(\"" + segment + "\", " + own.person() + "));\n");
                only.add(r.getName());
                covered.add(segment);
            }
        }
        if (!covered.containsAll(segments)) return Optional.empty();
        Built b = build(checked.files(), only, book.jitted());
        if (b.kieBase == null) LOG.warn("the rules of {} cut down to their own conditions do not compile ({}); everyone is evaluated whole",
                segments, b.messages);
        return Optional.ofNullable(b.kieBase).map(k -> new Candidates(k, io.cohort.identity.FactTypes.readBy(reads)));
    }

    record Built(KieBase kieBase, List<RuleMessage> messages) {}

    static Built build(Map<String, PackageDescr> files, Set<String> only, boolean jit) {
        KnowledgeBuilderConfiguration kconf = KnowledgeBuilderFactory.newKnowledgeBuilderConfiguration(null, MissCachingClassLoader.OF_APPLICATION);
        // Facts are immutable and never modified by rules: property reactivity has nothing to
        // watch, and with it on Drools warns "causes class reactivity" for every window helper.
        kconf.setProperty("drools.propertySpecific", "ALLOWED");
        KnowledgeBuilder kb = KnowledgeBuilderFactory.newKnowledgeBuilder(kconf);
        Map<Resource, String> fileOf = new IdentityHashMap<>();
        // One batch: Drools then takes every file's type declarations before any file's rules, so a
        // type declared in one file can be used in another whatever their names (added one by one,
        // a file sorting before the declaring one failed with "Unable to resolve ObjectType").
        org.kie.internal.builder.CompositeKnowledgeBuilder batch = kb.batch();
        files.forEach((file, pkg) -> {
            if (only != null) pkg.getRules().removeIf(r -> !only.contains(r.getName()));
            Resource descr = ResourceFactory.newDescrResource(pkg);
            descr.setSourcePath(file);
            fileOf.put(descr, file);
            if (pkg.getResource() != null) fileOf.put(pkg.getResource(), file);
            batch.add(descr, ResourceType.DESCR);
        });
        batch.build();
        List<RuleMessage> messages = new ArrayList<>();
        for (KnowledgeBuilderResult r : kb.getResults(ResultSeverity.ERROR, ResultSeverity.WARNING)) {
            String file = r.getResource() == null ? "(rules)" : fileOf.getOrDefault(r.getResource(),
                    r.getResource().getSourcePath() == null ? "(rules)" : r.getResource().getSourcePath());
            int line = r.getLines() != null && r.getLines().length > 0 ? Math.max(0, r.getLines()[0]) : 0;
            String text = r.getMessage() == null ? "" : r.getMessage().strip();
            messages.add(r.getSeverity() == ResultSeverity.ERROR ? RuleMessage.error(file, line, 0, text)
                    : RuleMessage.warning(file, line, 0, text));
        }
        if (kb.hasErrors()) return new Built(null, messages);
        KieBaseConfiguration conf = KieServices.Factory.get().newKieBaseConfiguration(null, MissCachingClassLoader.OF_APPLICATION);
        // -1: never (the run counter would have to wrap around, 2^32 runs of one constraint).
        if (!jit) conf.setProperty("drools.jittingThreshold", "-1");
        InternalKnowledgeBase kbase = KnowledgeBaseFactory.newKnowledgeBase(conf);
        kbase.addPackages(kb.getKnowledgePackages());
        return new Built(kbase, messages);
    }

    /** Warnings for the constraints with an operator Drools cannot jit (see above). */
    private static List<RuleMessage> unjittable(KieBase kieBase, DrlSandbox.Result checked) {
        List<RuleMessage> out = new ArrayList<>();
        for (KiePackage p : kieBase.getKiePackages()) {
            for (Rule r : p.getRules()) {
                if (!(r instanceof RuleImpl ri)) continue;
                Set<String> found = new TreeSet<>();
                operatorConstraints(ri.getLhs(), found, Collections.newSetFromMap(new IdentityHashMap<>()));
                String file = checked.ruleFile().getOrDefault(r.getName(), "(rules)");
                for (String expr : found) {
                    out.add(RuleMessage.warning(file, checked.ruleLine().getOrDefault(r.getName(), 0), 0, "rule \"" + r.getName()
                            + "\": the condition '" + expr + "' uses an operator (str[…]) that Drools 10.2.0 cannot compile to "
                            + "bytecode, so all rules run slower. Write it as a method call where there is one: "
                            + "industry != null && industry.startsWith(\"Automotive\") instead of industry str[startsWith] \"Automotive\""));
                }
            }
        }
        return out;
    }

    private static void operatorConstraints(org.drools.base.rule.RuleConditionElement e, Set<String> found, Set<Object> seen) {
        if (e == null || !seen.add(e)) return;
        if (e instanceof org.drools.base.rule.Pattern p) {
            for (var c : p.getConstraints()) {
                if (c instanceof org.drools.mvel.MVELConstraint m && m.getOperators().length > 0) found.add(m.getExpression());
            }
        }
        for (org.drools.base.rule.RuleConditionElement n : e.getNestedElements()) operatorConstraints(n, found, seen);
    }

    /** Collects @segment metadata. */
    private static Map<String, SegmentDefinition> segments(KieBase kieBase, DrlSandbox.Result checked) {
        Map<String, List<Rule>> bySegment = new TreeMap<>();
        for (KiePackage p : kieBase.getKiePackages()) {
            for (Rule r : p.getRules()) {
                Object seg = r.getMetaData().get("segment");
                if (seg != null) bySegment.computeIfAbsent(seg.toString(), k -> new ArrayList<>()).add(r);
            }
        }
        Map<String, SegmentDefinition> out = new LinkedHashMap<>();
        bySegment.forEach((id, rules) -> {
            String name = meta(rules, "segmentName", id);
            // Drools files @description under the name of its own annotation type.
            String description = meta(rules, "description", meta(rules, org.kie.api.definition.type.Description.class.getName(), ""));
            out.put(id, new SegmentDefinition(id, name, description,
                    rules.stream().map(r -> checked.ruleFile().getOrDefault(r.getName(), "(unknown)")).distinct().sorted().toList(),
                    rules.stream().map(r -> checked.ruleFile().getOrDefault(r.getName(), "(unknown)") + ":" + r.getName()).sorted().toList()));
        });
        return Map.copyOf(out);
    }

    private static String meta(List<Rule> rules, String key, String fallback) {
        return rules.stream().map(r -> r.getMetaData().get(key)).filter(v -> v != null && !v.toString().isBlank())
                .map(Object::toString).findFirst().orElse(fallback);
    }

    /**
     * Per segment, a hash of the canonical text of the rules it depends on and of every declared
     * type: an edit that leaves a segment's rules as they were leaves its members as they are.
     */
    private static Map<String, String> signatures(DrlSandbox.Result checked) {
        Map<String, String> ruleText = new TreeMap<>();
        StringBuilder types = new StringBuilder();
        checked.files().forEach((f, pkg) -> {
            pkg.getRules().forEach(r -> ruleText.put(r.getName(), io.cohort.engine.sandbox.RuleText.of(r)));
            pkg.getTypeDeclarations().forEach(t -> types.append(io.cohort.engine.sandbox.RuleText.of(t)).append('\n'));
        });
        Map<String, String> out = new TreeMap<>();
        checked.shape().segments().forEach((id, shape) -> {
            Map<String, String> sources = new TreeMap<>();
            sources.put("", types.toString());
            for (String r : shape.rules()) sources.put(r, ruleText.getOrDefault(r, ""));
            out.put(id, hash(sources));
        });
        return Map.copyOf(out);
    }

    /** Errors first, then by file and line, as an editor lists them; a table's at its sheet, row and column. */
    private static List<RuleMessage> sorted(List<RuleMessage> messages, Map<String, DecisionTables.Table> tables) {
        List<RuleMessage> out = new ArrayList<>();
        for (RuleMessage m : messages) out.add(tables.containsKey(m.file()) ? tables.get(m.file()).locate(m) : m);
        out.sort(Comparator.comparing((RuleMessage m) -> m.level()).thenComparing(RuleMessage::file)
                .thenComparingInt(RuleMessage::line).thenComparingInt(RuleMessage::column));
        return List.copyOf(out);
    }

    private static String hash(Map<String, String> sources) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            sources.forEach((f, s) -> {
                md.update(f.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            });
            return HexFormat.of().formatHex(md.digest(), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
