package io.cohort.engine;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rule files as read, by relative path ("x.drl", "sub/y.drl", "t.csv"): DRL and CSV as text, an
 * .xlsx workbook as Base64 (the rule set is text throughout), the files whose bytes are not UTF-8
 * text, and the files refused before they are read as rules (a name the allow-list of
 * {@link RuleFileNames} refuses, a file that cannot be read). Those are all still listed, a file
 * that is not UTF-8 with U+FFFD where its bytes are not, so that they show and a change to them
 * is seen; {@link RuleCompiler} refuses each with its own error, and so the whole set.
 *
 * @param texts   every file, by relative path
 * @param notUtf8 the files of {@code texts} that are not UTF-8 text
 * @param refused the files of {@code texts} refused before their text is read, and why
 * @param passedOver what the directory holds that may look like rules but is not read, and why
 *                 (a link to a folder): warnings, which do not stop the set
 */
public record RuleFiles(Map<String, String> texts, Map<String, NotUtf8> notUtf8, Map<String, RuleMessage> refused,
                        Map<String, RuleMessage> passedOver) {
    public RuleFiles {
        texts = Collections.unmodifiableMap(new TreeMap<>(texts));
        notUtf8 = Collections.unmodifiableMap(new TreeMap<>(notUtf8));
        refused = Collections.unmodifiableMap(new TreeMap<>(refused));
        passedOver = Collections.unmodifiableMap(new TreeMap<>(passedOver));
    }

    /** Texts known to be text (drafts sent as JSON, a stored rule set). */
    public static RuleFiles of(Map<String, String> texts) { return new RuleFiles(texts, Map.of(), Map.of(), Map.of()); }

    /** Files as their bytes, read as the rules directory's files are. */
    public static RuleFiles fromBytes(Map<String, byte[]> files) { return fromBytes(files, Map.of()); }

    /** The same, with the files that were refused before their bytes were read (listed with the text "" unless in {@code files}). */
    static RuleFiles fromBytes(Map<String, byte[]> files, Map<String, RuleMessage> refused) {
        return fromBytes(files, refused, Map.of());
    }

    /** The same, with warnings of what the directory holds but does not read ({@link #passedOver}). */
    static RuleFiles fromBytes(Map<String, byte[]> files, Map<String, RuleMessage> refused, Map<String, RuleMessage> passedOver) {
        Map<String, String> texts = new TreeMap<>();
        Map<String, NotUtf8> notUtf8 = new TreeMap<>();
        refused.keySet().forEach(name -> texts.put(name, ""));
        files.forEach((name, bytes) -> {
            if (name.endsWith(".xlsx")) {
                texts.put(name, Base64.getEncoder().encodeToString(bytes));
                return;
            }
            texts.put(name, new String(bytes, StandardCharsets.UTF_8));
            if (!refused.containsKey(name)) NotUtf8.find(name, bytes).ifPresent(n -> notUtf8.put(name, n));
        });
        return new RuleFiles(texts, notUtf8, refused, passedOver);
    }

    /** The error of every file that is refused before it is compiled (not UTF-8, refused, unreadable), by file. */
    public Map<String, RuleMessage> problems() {
        Map<String, RuleMessage> out = new TreeMap<>(refused);
        notUtf8.forEach((file, n) -> out.putIfAbsent(file, n.message()));
        return Collections.unmodifiableMap(out);
    }

    /** These files with {@code drafts} added, each replacing the file of its name. */
    public RuleFiles with(RuleFiles drafts) {
        Map<String, String> t = new TreeMap<>(texts);
        t.putAll(drafts.texts);
        Map<String, NotUtf8> n = new TreeMap<>(notUtf8);
        n.keySet().removeAll(drafts.texts.keySet());
        n.putAll(drafts.notUtf8);
        Map<String, RuleMessage> r = new TreeMap<>(refused);
        r.keySet().removeAll(drafts.texts.keySet());
        r.putAll(drafts.refused);
        return new RuleFiles(t, n, r, passedOver);
    }
}
