package io.cohort.engine;

import java.util.List;
import java.util.Optional;

/**
 * The names a rule file may have, one allow-list for the rules directory, the sandbox and the
 * analyst endpoints (validate, preview), so that every file that can run can be validated and
 * previewed under its name, and the reverse. A name is a relative path ("Q3 (draft).drl",
 * "team/my-segment.drl"): segments separated by '/', the last one ending in .drl, .csv or .xlsx.
 * What people name files is allowed (spaces, a leading '-', letters of any script, brackets);
 * refused are what no editor shows as typed or what breaks on another system: empty segments,
 * '.' and '..', hidden names, Excel's "~$" lock files, backslashes, control, formatting and
 * unassigned characters, a segment ending in a space or '.' (Windows drops those), U+FFFD (the
 * name's bytes are not UTF-8), and names over {@value #MAX_LENGTH} characters.
 */
public final class RuleFileNames {
    public static final int MAX_LENGTH = 200;
    public static final List<String> EXTENSIONS = List.of(".drl", ".csv", ".xlsx");

    private RuleFileNames() {}

    /**
     * A file or folder of the rules directory that is not rules and is passed over without a word:
     * hidden ones (".git", an editor's ".#x.drl") and the lock files Excel keeps while a workbook is
     * open ("~$t.xlsx").
     */
    public static boolean passedOver(String segment) { return segment.startsWith(".") || segment.startsWith("~$"); }

    /** Whether a file of this name (its last segment) is meant as a rule file: a DRL file or a decision table. */
    public static boolean hasRuleExtension(String name) { return EXTENSIONS.stream().anyMatch(name::endsWith); }

    /** Why {@code path} cannot be a rule file's name, or empty when it can. */
    public static Optional<String> refusal(String path) {
        if (path == null || path.isEmpty()) return Optional.of("the name is empty");
        if (path.length() > MAX_LENGTH) {
            return Optional.of("the name has " + path.length() + " characters; at most " + MAX_LENGTH + " are allowed");
        }
        for (int i = 0; i < path.length(); ) {
            int c = path.codePointAt(i);
            String kind = refusedCharacter(c);
            if (kind != null) {
                return Optional.of(String.format("the name has %s (U+%04X) at character %d%s", kind, c, i + 1,
                        c == '\\' ? ": folders are separated by '/'" : c == 0xFFFD ? ": its bytes are not UTF-8 text" : ""));
            }
            i += Character.charCount(c);
        }
        if (!hasRuleExtension(path)) return Optional.of("the name does not end in .drl (or .csv, .xlsx for a decision table)");
        if (path.startsWith("/")) return Optional.of("the name is an absolute path; it is relative to the rules directory");
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) return Optional.of("the name has an empty folder name ('//')");
            if (segment.equals(".") || segment.equals("..")) return Optional.of("the name has a '" + segment + "' segment");
            if (segment.startsWith(".")) return Optional.of("'" + segment + "' starts with '.': hidden files and folders are not rules");
            if (segment.startsWith("~$")) {
                return Optional.of("'" + segment + "' starts with '~$': that is the lock file Excel keeps while a workbook is open");
            }
            int last = segment.codePointBefore(segment.length());
            if (last == '.' || Character.isWhitespace(last) || Character.isSpaceChar(last)) {
                return Optional.of("'" + segment + "' ends in " + (last == '.' ? "'.'" : "a space")
                        + ", which Windows drops from names");
            }
        }
        return Optional.empty();
    }

    /**
     * {@code path} fit to print in a message or a log line: the characters the allow-list refuses
     * for being unseen (control, formatting, line breaks and the like) written as {@code <U+200B>}.
     */
    public static String shown(String path) {
        StringBuilder out = new StringBuilder(path.length());
        path.codePoints().forEach(c -> {
            if (c != '\\' && c != 0xFFFD && refusedCharacter(c) != null) out.append(String.format("<U+%04X>", c));
            else out.appendCodePoint(c);
        });
        return out.toString();
    }

    /** What kind of character {@code c} is when a name may not hold it, else null. */
    private static String refusedCharacter(int c) {
        if (c == '\\') return "a backslash";
        // What Java reads a name's bytes that are not UTF-8 (sun.jnu.encoding) as.
        if (c == 0xFFFD) return "a replacement character";
        return switch (Character.getType(c)) {
            case Character.CONTROL -> "a control character";
            case Character.FORMAT -> "an invisible formatting character";
            case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> "a line break";
            case Character.SURROGATE -> "half a character (a lone surrogate)";
            case Character.PRIVATE_USE -> "a private-use character";
            case Character.UNASSIGNED -> "a code point with no character";
            default -> null;
        };
    }
}
