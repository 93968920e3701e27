package io.cohort.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.kie.api.KieBase;
import org.kie.api.KieBaseConfiguration;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * Compiles a set of DRL files into a {@link RuleBook}. Errors are data (file, line, column,
 * message); a set with any error yields no RuleBook, so the caller keeps its running one.
 */
public final class RuleCompiler {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;?", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("new\\s+Qualified\\s*\\(\\s*\"([^\"]*)\"");
    private static final Pattern SEGMENT_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    private final RuleGuard guard;
    private final Clock clock;
    private final AtomicLong builds = new AtomicLong();

    public RuleCompiler(RuleGuard guard, Clock clock) {
        this.guard = guard;
        this.clock = clock;
    }

    /** @param files file name (relative to the rules directory) → DRL text */
    public CompileResult compile(Map<String, String> files) {
        Map<String, String> sources = new TreeMap<>(files);
        List<RuleMessage> messages = new ArrayList<>();
        sources.forEach((f, drl) -> messages.addAll(guard.check(f, drl)));
        if (messages.stream().anyMatch(m -> m.level() == RuleMessage.Level.ERROR)) {
            return new CompileResult(java.util.Optional.empty(), messages);
        }
        KieServices ks = KieServices.Factory.get();
        String version = hash(sources);
        ReleaseId releaseId = newReleaseId(ks);
        Map<String, String> pathToFile = new LinkedHashMap<>();
        KieBuilder builder = build(ks, releaseId, sources, pathToFile);
        for (Message m : builder.getResults().getMessages()) {
            String file = pathToFile.getOrDefault(m.getPath(), m.getPath() == null ? "(rules)" : m.getPath());
            String text = m.getText() == null ? "" : m.getText().strip();
            if (m.getLevel() == Message.Level.ERROR) {
                messages.add(RuleMessage.error(file, Math.max(0, m.getLine()), Math.max(0, m.getColumn()), text));
            } else if (m.getLevel() == Message.Level.WARNING) {
                messages.add(RuleMessage.warning(file, Math.max(0, m.getLine()), Math.max(0, m.getColumn()), text));
            }
        }
        if (builder.getResults().hasMessages(Message.Level.ERROR)) {
            ks.getRepository().removeKieModule(releaseId);
            return new CompileResult(java.util.Optional.empty(), messages);
        }
        // Beta-node sharing only within one package: in Drools 10.2.0 a rule of a later package
        // that shares another package's join splits its segment and leaves an accumulate blind to
        // retractions (apache/incubator-kie#7109, fixed upstream after 10.2.0): members would
        // never exit. Sharing saves a join memory per rule that starts like another (every
        // segment starts with Person()), so it stays on when every file has the same package.
        // CrossPackageSharingTest.
        boolean onePackage = sources.values().stream().map(RuleCompiler::packagePath).distinct().count() <= 1;
        org.kie.api.runtime.KieContainer container = ks.newKieContainer(releaseId);
        KieBase kieBase = container.newKieBase(configuration(ks, onePackage, true));
        // Drools compiles a constraint to bytecode after 20 runs ("jitting"); in 10.2.0 the
        // bytecode of a constraint with an operator such as str[startsWith] calls a method that
        // no longer exists: NoSuchMethodError in every round from
        // then on (apache/incubator-kie-drools#6711, fixed after 10.2.0). Such a rule set runs
        // without jitting (slower), and the analyst is told how to write it. ConstraintJittingTest.
        List<RuleMessage> unjittable = unjittable(kieBase, pathToFile, sources);
        if (!unjittable.isEmpty()) {
            messages.addAll(unjittable);
            // Built again from the files: a second KieBase of one module loses its declared types' classes.
            kieBase = rebuild(ks, sources, configuration(ks, onePackage, false));
        }
        ks.getRepository().removeKieModule(releaseId);
        Map<String, SegmentDefinition> segments = segments(kieBase, pathToFile, sources, messages);
        if (messages.stream().anyMatch(m -> m.level() == RuleMessage.Level.ERROR)) {
            return new CompileResult(java.util.Optional.empty(), messages);
        }
        List<RuleMessage> warnings = messages.stream().filter(m -> m.level() == RuleMessage.Level.WARNING).toList();
        Map<String, String> ruleFiles = new TreeMap<>();
        kieBase.getKiePackages().forEach(p -> p.getRules().forEach(r -> ruleFiles.put(r.getName(), fileOf(r, pathToFile))));
        return new CompileResult(java.util.Optional.of(new RuleBook(kieBase, segments, warnings,
                Map.copyOf(sources), Map.copyOf(ruleFiles), version, clock.instant())), messages);
    }

    private ReleaseId newReleaseId(KieServices ks) {
        return ks.newReleaseId("io.cohort", "rules-" + java.util.UUID.randomUUID(), "1.0." + builds.incrementAndGet());
    }

    /** Writes the files as a KIE module and builds it; fills {@code pathToFile} (module path → file name). */
    private static KieBuilder build(KieServices ks, ReleaseId releaseId, Map<String, String> sources,
                                    Map<String, String> pathToFile) {
        KieFileSystem kfs = ks.newKieFileSystem();
        kfs.generateAndWritePomXML(releaseId);
        sources.forEach((f, drl) -> {
            String path = "src/main/resources/" + packagePath(drl) + f.replace('\\', '/');
            pathToFile.put(path, f);
            pathToFile.put(path.substring("src/main/resources/".length()), f);
            kfs.write(path, drl);
        });
        return ks.newKieBuilder(kfs).buildAll();
    }

    /** The same files compiled again (they compiled once, so without messages) with another configuration. */
    private KieBase rebuild(KieServices ks, Map<String, String> sources, KieBaseConfiguration conf) {
        ReleaseId releaseId = newReleaseId(ks);
        build(ks, releaseId, sources, new LinkedHashMap<>());
        KieBase kieBase = ks.newKieContainer(releaseId).newKieBase(conf);
        ks.getRepository().removeKieModule(releaseId);
        return kieBase;
    }

    private static KieBaseConfiguration configuration(KieServices ks, boolean shareBetaNodes, boolean jit) {
        KieBaseConfiguration conf = ks.newKieBaseConfiguration();
        conf.setProperty("drools.shareBetaNodes", String.valueOf(shareBetaNodes));
        // -1: never (the run counter would have to wrap around, 2^32 runs of one constraint).
        if (!jit) conf.setProperty("drools.jittingThreshold", "-1");
        return conf;
    }

    /** Warnings for the constraints with an operator Drools cannot jit (see above). */
    private static List<RuleMessage> unjittable(KieBase kieBase, Map<String, String> pathToFile, Map<String, String> sources) {
        List<RuleMessage> out = new ArrayList<>();
        for (KiePackage p : kieBase.getKiePackages()) {
            for (Rule r : p.getRules()) {
                if (!(r instanceof RuleImpl ri)) continue;
                Set<String> found = new java.util.TreeSet<>();
                operatorConstraints(ri.getLhs(), found, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
                String file = fileOf(r, pathToFile);
                for (String expr : found) {
                    out.add(RuleMessage.warning(file, lineOf(sources.get(file), r.getName()), 0, "rule \"" + r.getName()
                            + "\": the condition '" + expr + "' uses an operator (str[…], soundslike, after…) that "
                            + "Drools 10.2.0 cannot compile to bytecode, so all rules run slower. Write it as a method "
                            + "call where there is one: industry != null && industry.startsWith(\"Automotive\") "
                            + "instead of industry str[startsWith] \"Automotive\""));
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

    /** Collects @segment metadata and checks that qualifying rules name declared segments. */
    private static Map<String, SegmentDefinition> segments(KieBase kieBase, Map<String, String> pathToFile,
                                                           Map<String, String> sources, List<RuleMessage> messages) {
        Map<String, List<Rule>> bySegment = new TreeMap<>();
        for (KiePackage p : kieBase.getKiePackages()) {
            for (Rule r : p.getRules()) {
                Object seg = r.getMetaData().get("segment");
                if (seg == null) continue;
                String id = seg.toString();
                if (!SEGMENT_ID.matcher(id).matches()) {
                    String file = fileOf(r, pathToFile);
                    messages.add(RuleMessage.error(file, lineOf(sources.get(file), r.getName()), 0, "rule \"" + r.getName()
                            + "\": segment id '" + id + "' must be lower-case letters, digits, '.', '_' or '-'"));
                    continue;
                }
                bySegment.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
            }
        }
        sources.forEach((file, drl) -> {
            Matcher m = QUALIFIED.matcher(drl);
            while (m.find()) {
                if (!bySegment.containsKey(m.group(1))) {
                    int line = (int) drl.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                    messages.add(RuleMessage.error(file, line, 0, "Qualified names segment '" + m.group(1)
                            + "' but no rule declares @segment(\"" + m.group(1) + "\")"));
                }
            }
        });
        Map<String, SegmentDefinition> out = new LinkedHashMap<>();
        bySegment.forEach((id, rules) -> {
            String name = meta(rules, "segmentName", id);
            // Drools files @description under the name of its own annotation type.
            String description = meta(rules, "description", meta(rules, org.kie.api.definition.type.Description.class.getName(), ""));
            out.put(id, new SegmentDefinition(id, name, description,
                    rules.stream().map(r -> fileOf(r, pathToFile)).distinct().sorted().toList(),
                    rules.stream().map(r -> fileOf(r, pathToFile) + ":" + r.getName()).sorted().toList()));
        });
        return Map.copyOf(out);
    }

    private static String meta(List<Rule> rules, String key, String fallback) {
        return rules.stream().map(r -> r.getMetaData().get(key)).filter(v -> v != null && !v.toString().isBlank())
                .map(Object::toString).findFirst().orElse(fallback);
    }

    static String fileOf(Rule r, Map<String, String> pathToFile) {
        if (r instanceof RuleImpl ri && ri.getResource() != null && ri.getResource().getSourcePath() != null) {
            return pathToFile.getOrDefault(ri.getResource().getSourcePath(), ri.getResource().getSourcePath());
        }
        return "(unknown)";
    }

    /** Drools keeps no line for a rule: find its declaration in the source. */
    static int lineOf(String drl, String ruleName) {
        if (drl == null) return 0;
        Matcher m = Pattern.compile("^\\s*rule\\s+\"?" + Pattern.quote(ruleName) + "\"?", Pattern.MULTILINE).matcher(drl);
        return m.find() ? (int) drl.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1 : 0;
    }

    private static String packagePath(String drl) {
        Matcher m = PACKAGE.matcher(drl);
        return m.find() ? m.group(1).replace('.', '/') + "/" : "";
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
