package io.cohort.engine;

/**
 * A compile or run-time message about a rule file, with where it points.
 *
 * @param file   rule file name relative to the rules directory, e.g. "high-value.drl"
 * @param line   1-based line, or 0 when Drools could not tell
 * @param column 1-based column, or 0 when unknown
 */
public record RuleMessage(Level level, String file, int line, int column, String message) {
    public enum Level { ERROR, WARNING }

    public static RuleMessage error(String file, int line, int column, String message) {
        return new RuleMessage(Level.ERROR, file, line, column, message);
    }

    public static RuleMessage warning(String file, int line, int column, String message) {
        return new RuleMessage(Level.WARNING, file, line, column, message);
    }

    /** "file:line:column: message", the form editors and terminals link. */
    @Override public String toString() {
        return file + ":" + line + ":" + column + ": " + level.name().toLowerCase() + ": " + message;
    }
}
