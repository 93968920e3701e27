package io.cohort.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kie.api.KieBase;

/**
 * One compiled, immutable set of rule files: the KieBase, the segments it declares and the
 * messages of its compilation. A new rule set replaces the running one only as a whole.
 *
 * @param sources  file name → DRL text, as compiled
 * @param ruleFiles rule name → file name
 * @param version  content hash of the sources, to tell rule sets apart
 */
public record RuleBook(KieBase kieBase, Map<String, SegmentDefinition> segments, List<RuleMessage> warnings,
                       Map<String, String> sources, Map<String, String> ruleFiles, String version,
                       Instant compiledAt) {

    /** The file a rule is declared in, or "(unknown)". */
    public String fileOf(String ruleName) { return ruleFiles.getOrDefault(ruleName, "(unknown)"); }


    public Optional<SegmentDefinition> segment(String id) { return Optional.ofNullable(segments.get(id)); }
}
