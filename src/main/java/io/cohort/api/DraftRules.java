package io.cohort.api;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

/**
 * Checks of a draft rule file at the API boundary (validate, preview), before the compiler sees
 * it: a file name that is a plain relative {@code *.drl} path, and names short enough to become
 * Java class names. Drools turns a rule's name into the name of a generated class; a name of
 * 1,000,000 characters broke bytecode generation inside the compiler ("UTF8 string too large")
 * and the request was answered 500.
 */
public final class DraftRules {
    public static final int MAX_FILE_NAME = 200;
    public static final int MAX_NAME = 1_000;
    /** Deeper text is not parsed here: the rule guard refuses brackets nested deeper than 64. */
    private static final int MAX_PARSED_DEPTH = 64;
    /** One path segment: starts with a letter, digit or '_' (so never '.', '..' or a hidden file). */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private DraftRules() {}

    /** {@code file} when it is a relative path of plain segments ending in .drl, else a 400 naming the parameter. */
    public static String fileName(String parameter, String file) {
        boolean ok = file != null && !file.isEmpty() && file.length() <= MAX_FILE_NAME && file.endsWith(".drl")
                && !file.endsWith("/.drl") && !file.equals(".drl");
        if (ok) {
            for (String segment : file.split("/", -1)) ok &= SEGMENT.matcher(segment).matches();
        }
        if (!ok) {
            throw ApiException.badRequest(parameter + " must be a relative name ending in .drl of at most " + MAX_FILE_NAME
                    + " characters, made of path segments of letters, digits, '.', '_' and '-' that start with a letter, "
                    + "digit or '_' (e.g. my-segment.drl or team/my-segment.drl), got '" + abbreviate(String.valueOf(file)) + "'");
        }
        return file;
    }

    /**
     * A 400 naming file, line and what is too long when a rule, declared type or field name, or the
     * package name, is longer than {@link #MAX_NAME}. Text that does not parse is left to the
     * compiler, which reports it with file, line and column.
     */
    public static void checkNames(String file, String drl) {
        // A name never spans lines: without a long line there is nothing to find, and no need to parse.
        if (drl.lines().noneMatch(l -> l.length() > MAX_NAME)) return;
        // Drools' parser recurses per bracket; deep nesting is the rule guard's to refuse, before any parser.
        if (bracketDepth(drl) > MAX_PARSED_DEPTH) return;
        PackageDescr pkg;
        try {
            pkg = new DrlParser().parse(false, drl);
        } catch (DroolsParserException | RuntimeException | StackOverflowError e) {
            return;
        }
        if (pkg == null) return;
        List<String> problems = new ArrayList<>();
        check(problems, file, "package name", pkg.getName(), pkg);
        pkg.getRules().forEach(r -> check(problems, file, "rule name", r.getName(), r));
        pkg.getTypeDeclarations().forEach(t -> {
            check(problems, file, "declared type name", t.getTypeName(), t);
            t.getFields().forEach((name, f) -> check(problems, file, "field name", name, f));
        });
        pkg.getFunctions().forEach(f -> check(problems, file, "function name", f.getName(), f));
        if (!problems.isEmpty()) throw ApiException.badRequest(String.join("; ", problems));
    }

    /** The deepest nesting of (, [ and {, counting every bracket (strings and comments too): an upper bound. */
    static int bracketDepth(String drl) {
        int depth = 0;
        int max = 0;
        for (int i = 0; i < drl.length(); i++) {
            char c = drl.charAt(i);
            if (c == '(' || c == '[' || c == '{') max = Math.max(max, ++depth);
            else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
        }
        return max;
    }

    private static void check(List<String> problems, String file, String what, String name, BaseDescr where) {
        if (name == null || name.length() <= MAX_NAME) return;
        problems.add(file + ":" + Math.max(0, where.getLine()) + ": the " + what + " '" + abbreviate(name) + "' is "
                + name.length() + " characters; at most " + MAX_NAME + " allowed");
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
