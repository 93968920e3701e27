package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule file that is not UTF-8 text (saved as Latin-1, say) in the rules directory is a compile
 * error at its first bad byte, like a typo: the reload fails and says where, the running rules keep
 * serving. Found by the hostile-input campaign: it made every look at the directory throw.
 */
class NotUtf8Test {
    static final String HEADER = "package cohort.segments;\nimport io.cohort.model.*;\n";
    @TempDir Path tmp;

    /** {@code text} as UTF-8 with {@code bad} spliced in where {@code at} stands. */
    static byte[] utf8With(String text, String at, byte... bad) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = text.indexOf(at);
        out.writeBytes(text.substring(0, i).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(bad);
        out.writeBytes(text.substring(i + at.length()).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    static NotUtf8 find(byte[] bytes) { return NotUtf8.find("x.drl", bytes).orElseThrow(); }

    @Test
    void theFirstBadByteIsFoundAtItsLineAndColumn() {
        // First line, first column: a file that is not text at all (UTF-16 with its byte order mark).
        assertThat(find(new byte[] {(byte) 0xFF, (byte) 0xFE, 'p', 0})).isEqualTo(new NotUtf8("x.drl", 1, 1, 0xFF));
        // First line, after some text.
        assertThat(find(utf8With("rule \"caf_\"", "_", (byte) 0xE9))).isEqualTo(new NotUtf8("x.drl", 1, 10, 0xE9));
        // The middle of a line further down (the campaign's file).
        assertThat(find(utf8With(HEADER + "// caf_\nrule \"bin\"\n", "_", (byte) 0xE9))).isEqualTo(new NotUtf8("x.drl", 3, 7, 0xE9));
        // After valid characters of two and three bytes on the same line: counted as characters, not bytes.
        assertThat(find(utf8With(HEADER + "// déjà vu, 5 € _\n", "_", (byte) 0xE8))).isEqualTo(new NotUtf8("x.drl", 3, 17, 0xE8));
        // A multi-byte sequence cut short: the byte it starts with; Windows line ends count as one line each.
        assertThat(find(utf8With("a\r\n// ok_x\r\n", "_", (byte) 0xE2, (byte) 0x82))).isEqualTo(new NotUtf8("x.drl", 2, 6, 0xE2));
        assertThat(find(utf8With("end\n_", "_", (byte) 0xF0, (byte) 0x9F))).isEqualTo(new NotUtf8("x.drl", 2, 1, 0xF0));
        // Only the first one is named.
        assertThat(find(utf8With("ab_", "_", (byte) 0xC0, (byte) 0xE9)).badByte()).isEqualTo(0xC0);
    }

    @Test
    void utf8TextIsText() {
        assertThat(NotUtf8.find("x.drl", (HEADER + "// déjà vu, 5 €, 😀 \u0000\n").getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(NotUtf8.find("x.drl", new byte[0])).isEmpty();
    }

    @Test
    void itsMessageIsAnErrorInTheFormOfEveryOther() {
        assertThat(new NotUtf8("fz-latin1.drl", 3, 7, 0xE9).message()).hasToString(
                "fz-latin1.drl:3:7: error: not UTF-8 text (byte 0xE9); save the file as UTF-8");
    }

    /** The campaign's file, as printf wrote it. */
    static byte[] latin1Drl(String segment) {
        return utf8With(HEADER + "// caf_\nrule \"bin\"\n @segment(\"" + segment + "\")\nwhen\n $p : Person()\nthen\n"
                + " insertLogical(new Qualified(\"" + segment + "\", $p.id()));\nend\n", "_", (byte) 0xE9);
    }

    @Test
    void aReloadWithAFileThatIsNotUtf8FailsNamingItAndKeepsTheRunningRules() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        RuleService service = new RuleService(rules, new RuleCompiler(Clock.systemUTC()), Clock.systemUTC());
        String version = service.initial().version();

        Files.write(rules.resolve("fz-latin1.drl"), latin1Drl("fz-bin"));
        RuleService.Status s = service.reload();
        assertThat(s.lastReloadFailed()).isTrue();
        assertThat(s.activeVersion()).isEqualTo(version);
        assertThat(s.files()).contains("fz-latin1.drl");
        assertThat(s.messages()).containsExactly(new NotUtf8("fz-latin1.drl", 3, 7, 0xE9).message());
        long failed = service.failedLoads();
        service.reloadIfChanged(); // nothing changed: not compiled (nor reported) again
        assertThat(service.failedLoads()).isEqualTo(failed);

        // A draft validated while the file is there is refused for it, as with any broken file;
        // the same bytes as the draft are refused at their first bad byte.
        CompileResult v = service.validate("draft.drl", latin1Drl("draft"));
        assertThat(v.ok()).isFalse();
        assertThat(v.errors()).containsExactly(new NotUtf8("draft.drl", 3, 7, 0xE9).message(),
                new NotUtf8("fz-latin1.drl", 3, 7, 0xE9).message());
        assertThat(service.validate("fz-latin1.drl", HEADER.getBytes(StandardCharsets.UTF_8)).errors()).isEmpty();
        assertThatThrownBy(() -> RuleService.readDirectory(rules)).hasMessageContaining("fz-latin1.drl:3:7: error: not UTF-8");

        Files.writeString(rules.resolve("fz-latin1.drl"), new String(latin1Drl("fz-bin"), StandardCharsets.ISO_8859_1));
        service.attach(book -> java.util.concurrent.CompletableFuture.completedFuture(null));
        s = service.reload();
        assertThat(s.lastReloadFailed()).as(s.messages().toString()).isFalse();
        assertThat(s.activeVersion()).isNotEqualTo(version);
    }

    @Test
    void aTypeDeclaredInAFileThatIsNotUtf8IsReportedThereOnly() throws Exception {
        String declares = HEADER + "// caf\u00e9\ndeclare Regular\n  personId : String @key\nend\n"
                + "rule \"mark\" when $p : Person(email != null) then insertLogical(new Regular($p.id())); end\n";
        String uses = HEADER + "rule \"r\" @segment(\"r\") when $p : Person() Regular(personId == $p.id) then "
                + "insertLogical(new Qualified(\"r\", $p.id())); end\n";
        RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());
        assertThat(compiler.compile(Map.of("declares.drl", declares, "uses.drl", uses)).errors()).as("as UTF-8").isEmpty();
        CompileResult r = compiler.compile(RuleFiles.fromBytes(Map.of(
                "declares.drl", declares.getBytes(StandardCharsets.ISO_8859_1), "uses.drl", uses.getBytes(StandardCharsets.UTF_8))));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors().get(0)).isEqualTo(new NotUtf8("declares.drl", 3, 7, 0xE9).message());
        assertThat(r.errors()).hasSizeGreaterThan(1).allSatisfy(m -> assertThat(m.file().equals("declares.drl")
                || m.message().contains("'Regular' is declared in declares.drl, which has errors")).as(m.toString()).isTrue());
    }

    @Test
    void aDecisionTableSavedAsLatin1IsRefusedAtItsRowAndColumn() throws Exception {
        String csv = Files.readString(Path.of("rules/industry-region-value.csv"));
        String row3 = csv.lines().toList().get(2);
        assertThat(row3).contains("§");
        CompileResult r = new RuleCompiler(Clock.systemUTC()).compile(RuleFiles.fromBytes(Map.of(
                "industry-region-value.csv", csv.getBytes(StandardCharsets.ISO_8859_1))));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).containsExactly(new NotUtf8("industry-region-value.csv", 3, row3.indexOf('§') + 1, 0xA7).message());
    }
}
