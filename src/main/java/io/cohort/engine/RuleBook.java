package io.cohort.engine;

import io.cohort.engine.sandbox.RuleSetShape;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kie.api.KieBase;

/**
 * One compiled, immutable set of rule files: the KieBase, the segments it declares, the messages
 * of its compilation and the shape the sandbox found (how far each segment looks, how it depends
 * on time). A new rule set replaces the running one only as a whole.
 */
public final class RuleBook {
    private final KieBase kieBase;
    private final Map<String, SegmentDefinition> segments;
    private final List<RuleMessage> warnings;
    private final Map<String, String> sources;
    private final Map<String, String> files;
    private final Map<String, String> ruleFiles;
    private final String version;
    private final Instant compiledAt;
    private final RuleSetShape shape;
    private final boolean jitted;
    private final RuleCompiler compiler;
    private final Map<String, String> signatures;
    private final Map<Set<String>, KieBase> partial;
    private final Map<Set<String>, Optional<Candidates>> candidates;

    /**
     * @param sources   file name → DRL text, as compiled
     * @param files     file name → text as given (decision tables not converted): compiling them again gives this version
     * @param ruleFiles rule name → file name
     * @param version   content hash of the sources, to tell rule sets apart
     */
    RuleBook(KieBase kieBase, Map<String, SegmentDefinition> segments, List<RuleMessage> warnings, Map<String, String> sources,
             Map<String, String> files, Map<String, String> ruleFiles, String version, Instant compiledAt, RuleSetShape shape, boolean jitted,
             RuleCompiler compiler, Map<String, String> signatures) {
        this(kieBase, segments, warnings, sources, files, ruleFiles, version, compiledAt, shape, jitted, compiler, signatures,
                new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    private RuleBook(KieBase kieBase, Map<String, SegmentDefinition> segments, List<RuleMessage> warnings, Map<String, String> sources,
                     Map<String, String> files, Map<String, String> ruleFiles, String version, Instant compiledAt, RuleSetShape shape,
                     boolean jitted, RuleCompiler compiler, Map<String, String> signatures, Map<Set<String>, KieBase> partial,
                     Map<Set<String>, Optional<Candidates>> candidates) {
        this.kieBase = kieBase;
        this.segments = segments;
        this.warnings = warnings;
        this.sources = sources;
        this.files = files;
        this.ruleFiles = ruleFiles;
        this.version = version;
        this.compiledAt = compiledAt;
        this.shape = shape;
        this.jitted = jitted;
        this.compiler = compiler;
        this.signatures = signatures;
        this.partial = partial;
        this.candidates = candidates;
    }

    /** This very rule set (the same KieBase and what is built from it), as compiled at {@code when}. */
    RuleBook compiledAt(Instant when) {
        // What is built from the rules once is built once for the same files (CompiledRuleSets): the maps are shared.
        return new RuleBook(kieBase, segments, warnings, sources, files, ruleFiles, version, when, shape, jitted, compiler, signatures,
                partial, candidates);
    }

    public KieBase kieBase() { return kieBase; }

    // Sessions of the whole rule set, reset and reused (engine.sessionPool); made on first use.
    private volatile org.kie.api.runtime.KieSessionsPool pool;

    /** A pool of reset sessions of {@link #kieBase()}: a session's dispose() returns it. */
    org.kie.api.runtime.KieSessionsPool sessionsPool() {
        org.kie.api.runtime.KieSessionsPool p = pool;
        if (p == null) {
            synchronized (this) {
                if (pool == null) pool = kieBase.newKieSessionsPool(2);
                p = pool;
            }
        }
        return p;
    }

    public Map<String, SegmentDefinition> segments() { return segments; }

    public List<RuleMessage> warnings() { return warnings; }

    public Map<String, String> sources() { return sources; }

    /** The files as given to the compiler (decision tables as tables): what to store so others compile this very version. */
    public Map<String, String> files() { return files; }

    public Map<String, String> ruleFiles() { return ruleFiles; }

    public String version() { return version; }

    public Instant compiledAt() { return compiledAt; }

    public RuleSetShape shape() { return shape; }

    /**
     * Segments whose rules match an Activity (a segment the sandbox has no shape for counts): the
     * only ones that new events alone can change.
     */
    public java.util.Set<String> eventSegments() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String seg : segments().keySet()) {
            if (shape.segment(seg).map(RuleSetShape.SegmentShape::readsEvents).orElse(true)) out.add(seg);
        }
        return out;
    }

    boolean jitted() { return jitted; }

    /** Segment id → a hash of the canonical text of every rule (and declared type) it depends on. */
    public Map<String, String> signatures() { return signatures; }

    /** The file a rule is declared in, or "(unknown)". */
    public String fileOf(String ruleName) { return ruleFiles.getOrDefault(ruleName, "(unknown)"); }

    public Optional<SegmentDefinition> segment(String id) { return Optional.ofNullable(segments.get(id)); }

    /**
     * A KieBase of only these rules (a segment with what it depends on), built once per rule set:
     * for evaluating one segment apart from the others.
     */
    public KieBase kieBaseOf(Set<String> rules) {
        return partial.computeIfAbsent(Set.copyOf(rules), r -> compiler.partial(this, r));
    }

    /**
     * The rules of these segments cut down to their conditions on the qualified person alone
     * ({@link RuleCompiler#candidates}), built once per rule set; empty where that cannot filter.
     */
    public Optional<Candidates> candidatesOf(Set<String> segments) {
        return candidates.computeIfAbsent(Set.copyOf(segments), s -> compiler.candidates(this, s));
    }
}
