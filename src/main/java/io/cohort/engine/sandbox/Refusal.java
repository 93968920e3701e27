package io.cohort.engine.sandbox;

/**
 * Why a piece of a rule file is not allowed, with where inside the checked text it is (1-based
 * line and column relative to that text, 0 when unknown). Thrown by the checkers, turned into a
 * {@link io.cohort.engine.RuleMessage} with the file's real position by {@link DrlSandbox}.
 */
final class Refusal extends RuntimeException {
    final int line;
    final int column;

    Refusal(String message) { this(message, 0, 0); }

    Refusal(String message, int line, int column) {
        super(message, null, false, false);
        this.line = line;
        this.column = column;
    }

    static Refusal at(String message, com.github.javaparser.ast.Node node) {
        return node.getBegin().map(p -> new Refusal(message, p.line, p.column)).orElseGet(() -> new Refusal(message));
    }
}
