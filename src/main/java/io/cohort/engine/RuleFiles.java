package io.cohort.engine;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rule files as read, by relative path ("x.drl", "sub/y.drl", "t.csv"): DRL and CSV as text, an
 * .xlsx workbook as Base64 (the rule set is text throughout), and the files whose bytes are not
 * UTF-8 text. Those are still listed, with U+FFFD where the bytes are not UTF-8, so that they
 * show and a change to them is seen; {@link RuleCompiler} refuses them at their first bad byte.
 *
 * @param texts   every file, by relative path
 * @param notUtf8 the files of {@code texts} that are not UTF-8 text
 */
public record RuleFiles(Map<String, String> texts, Map<String, NotUtf8> notUtf8) {
    public RuleFiles {
        texts = Collections.unmodifiableMap(new TreeMap<>(texts));
        notUtf8 = Collections.unmodifiableMap(new TreeMap<>(notUtf8));
    }

    /** Texts known to be text (drafts sent as JSON, a stored rule set). */
    public static RuleFiles of(Map<String, String> texts) { return new RuleFiles(texts, Map.of()); }

    /** Files as their bytes, read as the rules directory's files are. */
    public static RuleFiles fromBytes(Map<String, byte[]> files) {
        Map<String, String> texts = new TreeMap<>();
        Map<String, NotUtf8> notUtf8 = new TreeMap<>();
        files.forEach((name, bytes) -> {
            if (name.endsWith(".xlsx")) {
                texts.put(name, Base64.getEncoder().encodeToString(bytes));
                return;
            }
            texts.put(name, new String(bytes, StandardCharsets.UTF_8));
            NotUtf8.find(name, bytes).ifPresent(n -> notUtf8.put(name, n));
        });
        return new RuleFiles(texts, notUtf8);
    }

    /** These files with {@code drafts} added, each replacing the file of its name. */
    public RuleFiles with(RuleFiles drafts) {
        Map<String, String> t = new TreeMap<>(texts);
        t.putAll(drafts.texts);
        Map<String, NotUtf8> n = new TreeMap<>(notUtf8);
        n.keySet().removeAll(drafts.texts.keySet());
        n.putAll(drafts.notUtf8);
        return new RuleFiles(t, n);
    }
}
