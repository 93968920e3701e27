package io.cohort.engine;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Rule sets compiled by this process, by their files' content: compiling is a function of the
 * files alone, and the same set is compiled again and again (each validate and preview compiles
 * the running set with the draft; a reload of files that were touched but not changed; the
 * start-up after a stop in the same process). A set's compile takes the sandbox's check and
 * Drools' build, ~0.5–1 s of a core for the shipped rules. Held per application (one is made
 * with it), a few sets at most; nothing of an evaluation is kept here.
 */
public final class CompiledRuleSets {
    private static final int SETS = 8;
    private final Cache<String, CompileResult> compiled = CacheBuilder.newBuilder().maximumSize(SETS).build();

    /**
     * The key of a set of files, or empty for a set with files refused unread or passed over (their
     * messages come from the directory, not from the text: such a set is compiled every time).
     */
    static Optional<String> key(RuleFiles files) {
        if (!files.problems().isEmpty() || !files.passedOver().isEmpty()) return Optional.empty();
        Hasher h = Hashing.sha256().newHasher();
        for (Map.Entry<String, String> e : new TreeMap<>(files.texts()).entrySet()) {
            h.putInt(e.getKey().length()).putString(e.getKey(), StandardCharsets.UTF_8);
            h.putInt(e.getValue().length()).putString(e.getValue(), StandardCharsets.UTF_8);
        }
        return Optional.of(h.hash().toString());
    }

    CompileResult get(String key) { return compiled.getIfPresent(key); }

    void put(String key, CompileResult result) { compiled.put(key, result); }
}
