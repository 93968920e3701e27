package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleMessage;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where an annotation or attribute of a rule's header is, for its error. It was found by reading
 * from the rule's line to the first line that starts with 'when', or to the end of the file when
 * that line never came and the text was not found: "@ segment(…)" (Drools reads it as @segment)
 * with 'when' on the same line. A file of such rules and blank lines took the rules times the
 * lines: 200 rules and 100,000 blank lines 8 s instead of 0.3 s, 1,000 rules in a file of the
 * largest size minutes, at every validation.
 */
class HeaderLineTest {
    private static String rules(String annotation, int n, int padLines) {
        StringBuilder b = new StringBuilder("package cohort.segments;\nimport io.cohort.model.*;\n");
        for (int i = 0; i < n; i++) {
            b.append("rule \"r").append(i).append("\" ").append(annotation).append("(\"r").append(i)
                    .append("\") when $p : Person(email != null) then insertLogical(new Qualified(\"r").append(i)
                    .append("\", $p.id())); end\n");
        }
        b.append("\n".repeat(padLines));
        return b.toString();
    }

    /** The header is read for a few lines at most: the lines past it (null here) are never read. */
    @Test
    void aHeaderIsReadForItsFirstLinesOnly() {
        String[] lines = new String[1_000_000];
        java.util.Arrays.fill(lines, 0, DrlSandbox.MAX_HEADER_LINES, "");
        lines[0] = "rule \"a\" @ segment(\"a\") when $p : Person() then end";
        assertThat(DrlSandbox.headerLine(lines, 1, "@segment")).isEqualTo(1);
        assertThat(DrlSandbox.annotationLines(lines, 1)).containsEntry("segment", 1);
        String[] spaced = {"rule \"a\"", "  salience 1", "  @ segment (\"a\")", "  @description(\"// x\")", "when"};
        assertThat(DrlSandbox.annotationLines(spaced, 1)).containsEntry("segment", 3).containsEntry("description", 4);
    }

    /**
     * Rules whose header the old scan read to the end of the file are accepted (the cost is bounded
     * by the first test, not timed here: timing belongs in benchmarks).
     */
    @Test
    void rulesWithoutAWhenLineAndASpacedAnnotationAreChecked() {
        DrlSandbox.Result r = new DrlSandbox().check(Map.of("h.drl", rules("@ segment", 30, 3_000)));
        assertThat(r.ok()).as(r.messages().toString()).isTrue();

        // And an error in such a header is on the annotation's line, not only the rule's.
        DrlSandbox.Result bad = new DrlSandbox().check(Map.of("b.drl", "package cohort.segments;\nimport io.cohort.model.*;\n"
                + "rule \"b\"\n  @ bogus(\"x\")\nwhen $p : Person() then insertLogical(new Qualified(\"b\", $p.id())); end\n"));
        assertThat(bad.messages()).singleElement().satisfies(m -> {
            assertThat(m.level()).isEqualTo(RuleMessage.Level.ERROR);
            assertThat(m.line()).isEqualTo(4);
            assertThat(m.message()).contains("@bogus is not allowed");
        });
    }
}
