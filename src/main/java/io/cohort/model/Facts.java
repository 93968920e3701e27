package io.cohort.model;

/** Small helpers shared by fact records. */
final class Facts {
    private Facts() {}

    /**
     * A decimal number's value (1250, -3.5, 1.2e3; past a double's range ±Infinity), else 0.
     * Double.parseDouble also takes Java's own forms, which no source means as numbers: "NaN" (no
     * comparison is ever true), "Infinity", "12d" and hex "0x1p3" (8); those are "not numeric".
     * Besides digits, a decimal number holds only a point, a sign and an exponent's e: any other
     * character rules it out before the parse.
     */
    static double number(String s) {
        if (s == null) return 0;
        String t = s.trim();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if ((c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') return 0;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
