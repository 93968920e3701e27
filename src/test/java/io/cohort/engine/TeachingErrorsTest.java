package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The analysts' common mistakes, each in one draft compiled together with every shipped rule file
 * as the service compiles them: exactly one error, in the draft only, at the line and column of
 * the mistake, saying what to write instead (the table in rules/README.md §11).
 */
class TeachingErrorsTest {
    private static final String HEAD = "package cohort.segments;\nimport io.cohort.model.*;\n\n";
    private final RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());

    /** A draft rule of the given condition lines (line 7 is the first) and consequence (after 'then'). */
    private static String draft(String when, String then) {
        return HEAD + "rule \"draft\"\n    @segment(\"draft\")\nwhen\n" + when + "\nthen\n    " + then + "\nend\n";
    }

    private static String draft(String when) { return draft(when, "insertLogical(new Qualified(\"draft\", $p.id()));"); }

    private RuleMessage onlyError(String drl) throws Exception {
        Map<String, String> files = shipped();
        files.put("draft.drl", drl);
        CompileResult r = compiler.compile(files);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).as("only the draft is blamed: " + r.errors()).hasSize(1)
                .allSatisfy(m -> assertThat(m.file()).isEqualTo("draft.drl"));
        return r.errors().get(0);
    }

    static Map<String, String> shipped() throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("rules"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".drl")).toList()) files.put(p.getFileName().toString(), Files.readString(p));
        }
        return files;
    }

    @Test
    void assignmentForComparisonPointsAtTheEqualsSign() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person(title == \"CTO\", country = \"DE\")"));
        assertThat(m.line()).isEqualTo(7);
        assertThat(m.column()).isEqualTo(41);
        assertThat(m.message()).contains("'=' assigns a value; compare with '=='");
    }

    @Test
    void unknownFieldListsTheFieldsAndTheClosestOne() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person()\n    AccountPerson(personId == $p.id, $a : accountId)\n"
                + "    Opportunity(accountId == $a, stag == \"Closed Won\")"));
        assertThat(m.line()).isEqualTo(9);
        assertThat(m.column()).isEqualTo(34);
        assertThat(m.message()).contains("Opportunity has no field 'stag'; did you mean 'stage'?",
                "its fields: id, accountId, name, amount, currency, stage, won, closed, closeDate, createdDate, attributes",
                "helpers: isOpen(…), attr(…), attrNumber(…)");
    }

    @Test
    void unboundNowSaysHowToBindIt() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person()\n    Activity(personId == $p.id, viewed(\"/products/new\", $now.daysAgo(30)))"));
        assertThat(m.line()).isEqualTo(8);
        assertThat(m.column()).isEqualTo(57);
        assertThat(m.message()).contains("'$now' is not bound: bind it in an earlier pattern, e.g. $now : Now()");
    }

    @Test
    void aVariableWithoutItsDollarSignIsNamed() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person()\n    AccountPerson(personId == p.id)"));
        assertThat(m.line()).isEqualTo(8);
        assertThat(m.message()).contains("'p' is not bound; variables start with '$': did you mean '$p.id'?");
    }

    @Test
    void wrongHelperSignatureListsTheHelpersSignatures() throws Exception {
        RuleMessage m = onlyError(draft("    $now : Now()\n    $p : Person()\n"
                + "    Activity(personId == $p.id, count(\"web.webpagedetails.pageViews\", 14) >= 3)"));
        assertThat(m.line()).isEqualTo(9);
        assertThat(m.message()).contains("no count takes (String, whole number); it takes count(Instant) or "
                + "count(String, Instant) or count(String, String, Instant)");
        RuleMessage days = onlyError(draft("    $now : Now()\n    $p : Person()\n"
                + "    Activity(personId == $p.id, any(\"x\", $now.daysAgo(\"30\")))"));
        assertThat(days.message()).contains("no daysAgo takes (String); it takes daysAgo(whole number)");
    }

    @Test
    void misspelledHelperAndTypeAreSuggested() throws Exception {
        assertThat(onlyError(draft("    $now : Now()\n    $p : Person()\n"
                + "    Activity(personId == $p.id, veiwed(\"/a\", $now.daysAgo(3)))")).message()).contains("did you mean 'viewed'?");
        RuleMessage type = onlyError(draft("    $p : Persn()"));
        assertThat(type.line()).isEqualTo(7);
        assertThat(type.message()).contains("unknown fact type 'Persn'; did you mean 'Person'?");
    }

    @Test
    void fieldReadInAConsequenceGivesTheAccessorForm() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person()", "insertLogical(new Qualified(\"draft\", $p.id));"));
        assertThat(m.line()).isEqualTo(9);
        assertThat(m.column()).isEqualTo(42);
        assertThat(m.message()).contains("a consequence is Java: write $p.id() instead of $p.id");
        RuleMessage unbound = onlyError(draft("    $p : Person()", "insertLogical(new Qualified(\"draft\", $q.id()));"));
        assertThat(unbound.message()).contains("'$q' is not bound in the condition; did you mean '$p'?; bound: $p");
    }

    @Test
    void anUnclosedPatternIsPointedAtNotWhereTheParserStumbled() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person(title == \"CTO\""));
        assertThat(m.line()).isEqualTo(8);
        assertThat(m.message()).contains("the '(' at line 7, column 16 is not closed");
    }

    @Test
    void aBooleanComparedWithTextIsATypeError() throws Exception {
        RuleMessage m = onlyError(draft("    $p : Person()\n    AccountPerson(personId == $p.id, $a : accountId)\n"
                + "    Opportunity(accountId == $a, won == \"true\")"));
        assertThat(m.message()).contains("cannot compare a boolean with a String in 'won == \"true\"'");
    }

    /**
     * The README's idioms (helpers with windows, date fields, from over events, attributes) compile
     * without a single warning and Drools logs nothing about class reactivity, on every start.
     */
    @Test
    void theGuidesIdiomsCompileWithoutWarningsOrReactivityNoise() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        try {
            Map<String, String> files = shipped();
            files.put("idioms.drl", HEAD + """
                    rule "idioms"
                        @segment("idioms")
                    when
                        $now : Now()
                        $p : Person(attrNumber("leadScore") > 50)
                        AccountPerson(personId == $p.id, $account : accountId)
                        Opportunity(accountId == $account, closeDate != null, closeDate > $now.date().minusDays(90),
                                    createdDate != null, createdDate > $now.daysAgo(30), attr("Type") == "New Business")
                        $a : Activity(personId == $p.id, any("web.webpagedetails.pageViews", $now.daysAgo(14)),
                                      count("web.webpagedetails.pageViews", $now.daysAgo(14)) >= 3)
                        accumulate(Event(eventType == "form.submitted", attr("form") == "Demo request",
                                         timestamp > $now.daysAgo(30)) from $a.events;
                                   $n : count(); $n >= 1)
                    then
                        insertLogical(new Qualified("idioms", $p.id()));
                    end
                    """);
            CompileResult r = compiler.compile(files);
            assertThat(r.messages()).as("no errors and no warnings").isEmpty();
        } finally {
            root.detachAppender(log);
        }
        List<String> noise = log.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.toLowerCase().contains("reactivity")).toList();
        assertThat(noise).isEmpty();
    }
}
