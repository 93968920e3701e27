package io.cohort.api;

import io.cohort.api.error.ApiException;
import io.cohort.engine.RuleFileNames;

/**
 * Checks of a draft rule file's name at the API boundary (validate, preview): a name the rules
 * directory would load (engine.RuleFileNames, the one allow-list for both), ending in .drl (or,
 * where the endpoint takes decision tables, .csv or .xlsx). What
 * the file holds is the sandbox's to check (rules/README.md §9); it refuses, among the rest, names
 * too long to become Java class names with file and line.
 */
public final class DraftRules {
    private DraftRules() {}

    /** {@code file} when it is a rule file name ending in .drl, else a 400 naming the parameter and what is wrong. */
    public static String fileName(String parameter, String file) { return fileName(parameter, file, false); }

    /**
     * The same, also taking decision tables ({@code .csv}, {@code .xlsx}) when {@code tables}: a
     * draft is checked as the rules directory would read a file of that name.
     */
    public static String fileName(String parameter, String file, boolean tables) {
        boolean kind = file != null && (file.endsWith(".drl") || tables && (file.endsWith(".csv") || file.endsWith(".xlsx")));
        String why = file == null || file.isEmpty() ? "the name is empty"
                : RuleFileNames.refusal(file).orElse(kind ? null : tables
                        ? "a draft is DRL or a decision table: its name ends in .drl, .csv or .xlsx"
                        : "a draft is DRL: its name ends in .drl");
        if (why != null) {
            throw ApiException.badRequest(parameter + " is not a rule file name: " + why + ". It is a path relative to the "
                    + "rules directory ending in " + (tables ? ".drl, .csv or .xlsx" : ".drl") + ", of at most "
                    + RuleFileNames.MAX_LENGTH + " characters (e.g. my-segment.drl, team/Q3 (draft).drl), got '"
                    + abbreviate(RuleFileNames.shown(String.valueOf(file))) + "'");
        }
        return file;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
