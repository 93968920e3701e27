package io.cohort.api;

import io.cohort.api.error.ApiException;
import io.cohort.engine.RuleFileNames;

/**
 * Checks of a draft rule file's name at the API boundary (validate, preview): a name the rules
 * directory would load (engine.RuleFileNames, the one allow-list for both, its extensions
 * included: .drl, and .csv or .xlsx for decision tables). What the file holds is the sandbox's to
 * check (rules/README.md §9); it refuses, among the rest, names too long to become Java class
 * names with file and line.
 */
public final class DraftRules {
    private DraftRules() {}

    /** {@code file} when the rules directory would load a file of that name, else a 400 naming the parameter and what is wrong. */
    public static String fileName(String parameter, String file) {
        String why = file == null || file.isEmpty() ? "the name is empty"
                : RuleFileNames.refusal(file).orElse(RuleFileNames.hasRuleExtension(file) ? null
                        : "a draft is DRL or a decision table: its name ends in .drl, .csv or .xlsx");
        if (why != null) {
            throw ApiException.badRequest(parameter + " is not a rule file name: " + why + ". It is a path relative to the "
                    + "rules directory ending in .drl, .csv or .xlsx, of at most " + RuleFileNames.MAX_LENGTH
                    + " characters (e.g. my-segment.drl, team/Q3 (draft).drl), got '"
                    + abbreviate(RuleFileNames.shown(String.valueOf(file))) + "'");
        }
        return file;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
