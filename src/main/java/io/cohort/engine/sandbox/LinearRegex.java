package io.cohort.engine.sandbox;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * What a rule's {@code matches} runs: RE2/J, whose matching time grows with the text times the
 * expression, never exponentially or as a power of the text the way Java's backtracking matcher
 * does. Java's matcher, even with the sandbox bounding the expressions it allowed, took ~1 s per
 * match on a crafted 4,096-character field, so a stream of such records (a web form's title
 * field) could hold evaluation up for everyone. The sandbox rewrites {@code x matches "re"} to
 * {@link #matches} with the same meaning: the whole text must match, and a missing value (null)
 * never matches, so {@code not matches} holds for it, as in Drools.
 *
 * <p>What is refused ({@link #refusal}): RE2 syntax errors, which include Java-only constructs
 * (look-ahead and look-behind, back-references, possessive quantifiers), and expressions whose
 * counted repetitions would compile to a large program, since the cost per character grows with
 * the program. Nested or many open-ended repetitions ({@code (a+)+b}, {@code .*c.*t.*o.*}) are
 * fine: they cost no more than the text's length times the expression's.
 */
public final class LinearRegex {
    /** How a checked constraint calls {@link #matches}. */
    public static final String CALL = LinearRegex.class.getName() + ".matches";
    /** Longest expression a rule may hold. */
    static final int MAX_LENGTH = 200;
    /** Estimated program size (≈ instructions) of one expression: bounds the work per character. */
    static final int MAX_SIZE = 500;

    /** Compiled once per expression; a rule set holds few, previews and edits add more over time. */
    private static final LoadingCache<String, Pattern> PATTERNS = Caffeine.newBuilder().maximumSize(10_000)
            .build(re -> Pattern.compile(re));

    private LinearRegex() {}

    /** Whether the whole of {@code text} matches {@code regex}; false when {@code text} is null. */
    public static boolean matches(String text, String regex) {
        if (text == null) return false;
        Deadline.matching(text.length());
        return PATTERNS.get(regex).matches(text);
    }

    private static final java.util.regex.Pattern WRITTEN = java.util.regex.Pattern.compile(
            "(!?)" + java.util.regex.Pattern.quote(CALL) + "\\((.*?), (\"(?:[^\"\\\\]|\\\\.)*\")\\)");

    /** A checked constraint as the analyst wrote it: the calls {@link ConditionChecker} made of {@code matches} turned back. */
    public static String asWritten(String constraint) {
        if (!constraint.contains(CALL)) return constraint;
        return WRITTEN.matcher(constraint).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(2) + (m.group(1).isEmpty() ? " matches " : " not matches ") + m.group(3)));
    }

    /** Why the sandbox refuses {@code re} as the right side of {@code matches}, if it does. */
    static Optional<String> refusal(String re) {
        if (re.length() > MAX_LENGTH) return Optional.of("regular expressions are limited to " + MAX_LENGTH + " characters");
        if (re.matches("(?s).*\\\\([1-9]|k<).*")) return Optional.of("back-references are not allowed in regular expressions");
        String javaOnly = javaOnly(re);
        if (javaOnly != null) {
            return Optional.of(javaOnly + " are not supported in regular expressions: rules match in time proportional to the "
                    + "text, which these constructs do not allow");
        }
        try {
            Pattern.compile(re);
        } catch (PatternSyntaxException e) {
            return Optional.of("invalid regular expression: " + e.getDescription() + (e.getPattern().isEmpty() ? "" : " '"
                    + e.getPattern() + "'"));
        } catch (RuntimeException e) { // RE2/J's own limits
            return Optional.of("invalid regular expression: " + e.getMessage());
        }
        int size = size(re);
        if (size > MAX_SIZE) {
            return Optional.of("the regular expression '" + re + "' repeats too much by count ({n} and {n,m}): about " + size
                    + " steps per character of text, at most " + MAX_SIZE + " are allowed; use smaller counts, or '*' and '+'");
        }
        return Optional.empty();
    }

    /** Java's constructs RE2 lacks, named as analysts know them, or null; RE2/J's own message for them misleads. */
    private static String javaOnly(String re) {
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                // \p{…} and \P{…} name a class: their '}' closes no count; \Q…\E is quoted text.
                boolean named = i + 2 < re.length() && (re.charAt(i + 1) == 'p' || re.charAt(i + 1) == 'P') && re.charAt(i + 2) == '{';
                boolean quoted = i + 1 < re.length() && re.charAt(i + 1) == 'Q';
                int end = quoted ? re.indexOf("\\E", i + 2) : named ? re.indexOf('}', i) : -1;
                i = quoted ? (end < 0 ? re.length() : end + 1) : named && end > 0 ? end : i + 1;
            } else if (c == '[') {
                i = classEnd(re, i);
            } else if (c == '(' && re.startsWith("(?", i)) {
                if (re.startsWith("(?=", i) || re.startsWith("(?!", i)) return "look-ahead groups ((?=…), (?!…))";
                if (re.startsWith("(?<=", i) || re.startsWith("(?<!", i)) return "look-behind groups ((?<=…), (?<!…))";
                if (re.startsWith("(?>", i)) return "atomic groups ((?>…))";
            } else if ((c == '*' || c == '+' || c == '?' || c == '}') && i > 0 && i + 1 < re.length() && re.charAt(i + 1) == '+') {
                return "possessive quantifiers (a*+, a++, a?+)";
            }
        }
        return null;
    }

    /**
     * An over-estimate of the compiled program's size: one per character of the expression, and
     * for a count ({n}, {n,} or {n,m}) the size of what it repeats once more per repetition beyond
     * the first, since RE2 compiles a count by copying what it repeats (nested counts multiply).
     */
    static int size(String re) {
        Deque<long[]> groups = new ArrayDeque<>();
        long[] current = {0};
        long last = 0; // size of the part a quantifier would repeat, 0 when there is none
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            long[] range = c == '{' && last > 0 ? count(re, i) : null; // null: no count here (a '{' may be a literal)
            if (c == '\\' && i + 1 < re.length() && re.charAt(i + 1) == 'Q') { // \Q…\E: quoted literally
                int end = re.indexOf("\\E", i + 2);
                int stop = end < 0 ? re.length() : end;
                current[0] += Math.max(1, stop - (i + 2));
                last = 1;
                i = end < 0 ? re.length() : end + 1;
            } else if (c == '\\' || c == '[') {
                i = c == '[' ? classEnd(re, i) : i + 1;
                current[0]++;
                last = 1;
            } else if (c == '(') {
                groups.push(current);
                current = new long[] {1};
                // (?i), (?:…), (?P<name>…): the '?' opens the group, it repeats nothing.
                if (i + 1 < re.length() && re.charAt(i + 1) == '?') i++;
                last = 0;
            } else if (c == ')') {
                long group = current[0];
                current = groups.isEmpty() ? new long[] {0} : groups.pop();
                current[0] += group;
                last = group;
            } else if (range != null) {
                long times = range[1] < 0 ? range[0] + 1 : range[1];
                current[0] += Math.max(0, times - 1) * last + 1;
                i = re.indexOf('}', i);
                last = 0;
            } else if (c == '*' || c == '+' || c == '?' || c == '|') {
                current[0]++;
                last = 0;
            } else {
                current[0]++;
                last = 1;
            }
            current[0] = Math.min(current[0], Integer.MAX_VALUE);
        }
        long total = current[0];
        for (long[] g : groups) total += g[0];
        return (int) Math.min(total, Integer.MAX_VALUE);
    }

    /** The count that starts at {@code open} ('{'): [min, max] (max -1: open-ended), or null when it is no count. */
    private static long[] count(String re, int open) {
        int end = re.indexOf('}', open);
        return end < 0 ? null : count(re.substring(open + 1, end));
    }

    /** {m}, {m,} or {m,n} as [min, max] (max -1: open-ended); null when it is no count. */
    private static long[] count(String inside) {
        if (!inside.matches("\\d{1,9}(,\\d{0,9})?")) return null;
        String[] p = inside.split(",", -1);
        long min = Long.parseLong(p[0]);
        if (p.length == 1) return new long[] {min, min};
        return new long[] {min, p[1].isEmpty() ? -1 : Long.parseLong(p[1])};
    }

    /** Where a character class ends (its ']'), classes nested in it and escapes included. */
    private static int classEnd(String re, int open) {
        int depth = 0;
        for (int i = open; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') i++;
            else if (c == '[') depth++;
            else if (c == ']' && --depth == 0) return i;
        }
        return re.length();
    }
}
