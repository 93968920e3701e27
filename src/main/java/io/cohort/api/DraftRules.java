package io.cohort.api;

import io.cohort.api.error.ApiException;
import java.util.regex.Pattern;

/**
 * Checks of a draft rule file's name at the API boundary (validate, preview): a plain relative
 * {@code *.drl} path. What the file holds is the sandbox's to check (rules/README.md §9); it
 * refuses, among the rest, names too long to become Java class names with file and line.
 */
public final class DraftRules {
    public static final int MAX_FILE_NAME = 200;
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

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
