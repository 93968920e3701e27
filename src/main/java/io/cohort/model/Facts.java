package io.cohort.model;

/** Small helpers shared by fact records. */
final class Facts {
    private Facts() {}

    static double number(String s) {
        if (s == null) return 0;
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
