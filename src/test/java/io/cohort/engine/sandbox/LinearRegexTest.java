package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What rules' {@code matches} runs ({@link LinearRegex}): the answers Java's matcher gives on the
 * expressions analysts write, at once on the texts that made Java's matcher take seconds or
 * forever, and the refusals of what RE2 cannot run in linear time or would compile too large.
 */
class LinearRegexTest {
    /** Expressions of the kind analysts write (title, email, URL, code and phone patterns). */
    private static final List<String> WRITTEN = List.of(".*@bodea\\.com", "(?i).*(cto|cio|chief|vp|director|head).*",
            "https://www\\.bodea\\.com/products/.*", "[A-Z]{2}", "^[^@]+@[^@]+$", "\\d{3}-\\d{4}", "(?i)(mr|mrs|ms|dr)\\.? .*",
            "(?i)intern.*", "[0-9]{5}(-[0-9]{4})?", "\\w+\\s\\w+", "(?i)vp.*sales.*", ".*\\bAI\\b.*", "\\QC++\\E.*", "a|b|",
            ".{0,50}x", "(?i)(ceo|cfo)", "[^aeiou]+", ".*(?:EMEA|APAC).*", "\\p{L}+", "\\p{Lu}\\p{Ll}+", "caf\u00e9.*");
    private static final List<String> TEXTS = List.of("", "cto", "CTO", "Chief Technology Officer", "vp of sales", "VP Sales EMEA",
            "ann@bodea.com", "ann@bodea.com.evil", "https://www.bodea.com/products/sandbox", "DE", "de", "555-1234", "Dr. Who",
            "Intern", "interns", "02139", "02139-4307", "Ann Lee", "new AI team", "C++ developer", "a", "b", "xxxxxxxx",
            "caf\u00e9 au lait", "\u00c5sa", "x".repeat(51), "x".repeat(50), "multi\nline", "APAC lead", "rhythm");

    @Test
    void answersAsJavasMatcherDoesOnWhatAnalystsWrite() {
        List<String> differ = new ArrayList<>();
        for (String re : WRITTEN) {
            assertThat(LinearRegex.refusal(re)).as(re).isEmpty();
            for (String text : TEXTS) {
                if (LinearRegex.matches(text, re) != text.matches(re)) differ.add("'" + re + "' on '" + text + "'");
            }
        }
        assertThat(differ).isEmpty();
    }

    /**
     * Expressions nobody wrote: random ones from the constructs both engines read alike (literals,
     * '.', classes, \\d \\w \\s, groups, alternatives, greedy and lazy repetition, small counts,
     * (?i)) against random texts of the same few characters; RE2/J and Java's matcher must agree
     * on every pair. Texts hold no line terminators, where '.' and '$' differ between the two.
     */
    @Test
    void answersAsJavasMatcherDoesOnRandomExpressionsAndTexts() {
        java.util.Random rnd = new java.util.Random(20261205);
        List<String> differ = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < 3_000 && differ.size() < 10; i++) {
            String re = (rnd.nextInt(5) == 0 ? "(?i)" : "") + random(rnd, 3);
            if (LinearRegex.refusal(re).isPresent()) continue;
            for (int t = 0; t < 25; t++) {
                StringBuilder text = new StringBuilder();
                for (int k = rnd.nextInt(9); k > 0; k--) text.append("abAB1 -x".charAt(rnd.nextInt(8)));
                String s = text.toString();
                compared++;
                if (LinearRegex.matches(s, re) != s.matches(re)) differ.add("'" + re + "' on '" + s + "'");
            }
        }
        assertThat(differ).isEmpty();
        assertThat(compared).as("pairs compared").isGreaterThan(50_000);
    }

    private static String random(java.util.Random rnd, int depth) {
        StringBuilder out = new StringBuilder();
        for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
            String atom = switch (rnd.nextInt(depth > 0 ? 9 : 7)) {
                case 0, 1 -> String.valueOf("abAB1 -".charAt(rnd.nextInt(7)));
                case 2 -> ".";
                case 3 -> List.of("[ab]", "[^a]", "[a-b1]", "[A-Z]", "[ -]").get(rnd.nextInt(5));
                case 4 -> List.of("\\d", "\\w", "\\s", "\\W").get(rnd.nextInt(4));
                case 5, 6 -> "";
                case 7 -> "(" + random(rnd, depth - 1) + ")";
                default -> "(?:" + random(rnd, depth - 1) + "|" + random(rnd, depth - 1) + ")";
            };
            if (atom.isEmpty()) continue;
            String q = switch (rnd.nextInt(10)) {
                case 0 -> "*";
                case 1 -> "+";
                case 2 -> "?";
                case 3 -> "*?";
                case 4 -> "{" + rnd.nextInt(3) + "," + (2 + rnd.nextInt(3)) + "}";
                case 5 -> "{" + rnd.nextInt(3) + "}";
                default -> "";
            };
            out.append(atom).append(q);
        }
        return out.toString();
    }

    /** Where RE2 reads text otherwise than Java's matcher, as rules/README.md tells analysts. */
    @Test
    void theDifferencesFromJavasMatcherAreTheDocumentedOnes() {
        assertThat(LinearRegex.matches("\u00c9cole", "(?i)\u00e9cole")).as("(?i) beyond ASCII").isTrue();
        assertThat("\u00c9cole".matches("(?i)\u00e9cole")).isFalse();
        assertThat(LinearRegex.matches("a\rb", "a.b")).as("'.' and a carriage return").isTrue();
        assertThat("a\rb".matches("a.b")).isFalse();
        assertThat(LinearRegex.matches("a\nb", "a.b")).as("'.' and a line feed, as Java").isFalse();
    }

    @Test
    void aMissingValueNeverMatches() {
        assertThat(LinearRegex.matches(null, ".*")).isFalse();
        assertThat(LinearRegex.matches(null, "")).isFalse();
    }

    /**
     * Each of these took Java's matcher from seconds (two repetitions, which the sandbox used to
     * allow) to forever (eight) on such a text; here each is linear, so the test ends at once or
     * not at all (the timeout only catches a return of backtracking, it measures nothing).
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void whatMadeJavasMatcherBacktrackIsAnsweredOnTheLongestField() {
        String as = "a".repeat(4_096);
        String mixed = "ab".repeat(2_048);
        for (String re : List.of(".*.*.*.*.*.*.*.*x", ".*x.*y.*z", "(a+)+b", "(a|aa)*c", "a?".repeat(40) + "a".repeat(40) + "x",
                ".*" + "(a|b|c)".repeat(20) + ".*x", "(.{0,20}){20}x", ".*a.*b.*a.*b.*x")) {
            assertThat(LinearRegex.refusal(re)).as(re).isEmpty();
            assertThat(LinearRegex.matches(as, re)).as(re).isFalse();
            assertThat(LinearRegex.matches(mixed, re)).as(re).isFalse();
        }
        assertThat(LinearRegex.matches(as, "(a+)+")).isTrue();
        assertThat(LinearRegex.matches(mixed + "x", ".*a.*b.*a.*b.*x")).isTrue();
    }

    @Test
    void whatCannotRunInLinearTimeIsRefusedSayingSo() {
        assertThat(LinearRegex.refusal("(?=.*cto).*")).get().asString().contains("look-ahead");
        assertThat(LinearRegex.refusal("(?<!vp ).*sales")).get().asString().contains("look-behind");
        assertThat(LinearRegex.refusal("(?>a|ab)c")).get().asString().contains("atomic");
        assertThat(LinearRegex.refusal("[(?=]+x")).as("inside a class, only characters").isEmpty();
        assertThat(LinearRegex.refusal("a\\++")).as("an escaped '+', repeated").isEmpty();
        assertThat(LinearRegex.refusal("a*+b")).get().asString().contains("possessive");
        assertThat(LinearRegex.refusal("(a)\\1")).get().asString().contains("back-references");
        assertThat(LinearRegex.refusal("(?<t>a)\\k<t>")).get().asString().contains("back-references");
        assertThat(LinearRegex.refusal("[a-z")).get().asString().contains("invalid regular expression").contains("[a-z");
        assertThat(LinearRegex.refusal("x".repeat(201))).get().asString().contains("200 characters");
    }

    @Test
    void countsThatWouldCompileToALargeProgramAreRefused() {
        assertThat(LinearRegex.refusal(".{0,1000}.{0,1000}.{0,1000}")).get().asString().contains("repeats too much by count");
        assertThat(LinearRegex.refusal("((a{10}){10}){10}")).get().asString().contains("repeats too much by count");
        assertThat(LinearRegex.refusal("(abcdefghij){60}")).get().asString().contains("repeats too much by count");
        assertThat(LinearRegex.refusal("x{1001}")).isPresent(); // past RE2's own limit too
        // Nested counts multiply; quoted text and classes are one character each.
        assertThat(LinearRegex.size("(a{10}){10}")).isGreaterThanOrEqualTo(100);
        assertThat(LinearRegex.size("[a-z]{2}")).isLessThan(12);
        assertThat(LinearRegex.size("\\Q{1000}\\E")).isLessThan(20);
        assertThat(LinearRegex.size("a\\{1000}")).isLessThan(20);
        assertThat(LinearRegex.size("(?i)chief.*")).isLessThan(20);
    }

    @Test
    void aCheckedConstraintReadsAsWritten() {
        String c = "title != null, " + LinearRegex.CALL + "(title.toLowerCase(), \"(?i)vp, \\\"sales\\\".*\"), !"
                + LinearRegex.CALL + "(email, \"x\")";
        assertThat(LinearRegex.asWritten(c)).isEqualTo("title != null, title.toLowerCase() matches \"(?i)vp, \\\"sales\\\".*\", "
                + "email not matches \"x\"");
        assertThat(LinearRegex.asWritten("amount > 5")).isEqualTo("amount > 5");
    }
}
