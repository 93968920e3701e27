package io.cohort.analyst;

import io.cohort.engine.RuleMessage;
import java.util.List;

/**
 * The outcome of a rule-test run: compile messages (a rule set with errors runs no case), each
 * case's result with its problems, test files that could not be read, and segments no case checks.
 */
public record RuleTestReport(List<RuleMessage> compileMessages, List<CaseResult> cases, List<String> fileErrors,
                             List<String> untestedSegments) {

    /** @param problems what differs, one line each (members expected vs actual, and why) */
    public record CaseResult(String file, String name, boolean passed, List<String> problems) {}

    public boolean passed() {
        return compileErrors().isEmpty() && fileErrors.isEmpty() && cases.stream().allMatch(CaseResult::passed);
    }

    public List<RuleMessage> compileErrors() {
        return compileMessages.stream().filter(m -> m.level() == RuleMessage.Level.ERROR).toList();
    }

    public long failed() { return cases.stream().filter(c -> !c.passed()).count(); }

    /** The report as a terminal shows it; failures first in detail, then a one-line summary. */
    public String render() {
        StringBuilder b = new StringBuilder();
        compileMessages.forEach(m -> b.append(m).append('\n'));
        if (!compileErrors().isEmpty()) {
            return b.append("FAILED: the rules do not compile; no test ran\n").toString();
        }
        fileErrors.forEach(e -> b.append("error: ").append(e).append('\n'));
        for (CaseResult c : cases) {
            b.append(c.passed() ? "PASS " : "FAIL ").append(c.file()).append(" › ").append(c.name()).append('\n');
            c.problems().forEach(p -> b.append("    ").append(p).append('\n'));
        }
        if (!untestedSegments.isEmpty()) {
            b.append("note: no test checks segment(s) ").append(String.join(", ", untestedSegments)).append('\n');
        }
        b.append(passed() ? "OK: " : "FAILED: ").append(cases.size()).append(" case(s), ").append(failed())
                .append(" failed");
        if (!fileErrors.isEmpty()) b.append(", ").append(fileErrors.size()).append(" unreadable test file(s)");
        return b.append('\n').toString();
    }
}
