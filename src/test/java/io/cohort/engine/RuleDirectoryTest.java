package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the rules directory holds, as RuleService reads it: a file named as people name files is
 * a rule file under that name; one whose name the allow-list (RuleFileNames) refuses is an error
 * of that file, never passed over, while hidden files and Excel's lock files are not rules.
 * Found by the hostile-input campaign: "-x.drl" and "my segment.drl" ran while validate and
 * preview refused their names, "a\b.drl" ran as "a/b.drl", and "Q3 (draft).drl" did not compile.
 */
class RuleDirectoryTest {
    static final String HEADER = NotUtf8Test.HEADER;
    @TempDir Path tmp;

    static String segment(String id) {
        return HEADER + "rule \"" + id + "\" @segment(\"" + id + "\") when $p : Person() then insertLogical(new Qualified(\""
                + id + "\", $p.id())); end\n";
    }

    static RuleService service(Path rules) { return new RuleService(rules, new RuleCompiler(Clock.systemUTC()), Clock.systemUTC()); }

    @Test
    void namesAsPeopleWriteThemAreRuleFilesThatCompile() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Map<String, String> named = Map.of("my segment.drl", "spaced", "-x.drl", "dash", "Q3 (draft) é.drl", "q3",
                "équipe/Übersicht [v2] №1.drl", "unicode", "team/it's 50% done, & more!.drl", "punctuation");
        for (var e : named.entrySet()) {
            Files.createDirectories(rules.resolve(e.getKey()).getParent());
            Files.writeString(rules.resolve(e.getKey()), segment(e.getValue()));
        }
        // Not rules, passed over as before: hidden files and folders, Excel's lock file, other extensions.
        Files.writeString(rules.resolve(".x.drl"), "hidden");
        Files.writeString(Files.createDirectories(rules.resolve(".git")).resolve("y.drl"), "hidden");
        Files.writeString(rules.resolve("~$t.xlsx"), "lock");
        Files.writeString(rules.resolve("notes.txt"), "not rules");

        RuleFiles files = RuleService.read(rules);
        assertThat(files.texts().keySet()).containsExactlyInAnyOrderElementsOf(named.keySet());
        assertThat(files.problems()).isEmpty();
        RuleService service = service(rules);
        RuleBook book = service.initial();
        assertThat(service.status().messages()).isEmpty();
        assertThat(book.segments().keySet()).containsExactlyInAnyOrderElementsOf(named.values());
        named.forEach((file, id) -> assertThat(book.segments().get(id).files()).containsExactly(file));
    }

    @Test
    void aNameTheAllowListRefusesIsAnErrorOfThatFileAndTheRunningRulesKeepServing() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        RuleService service = service(rules);
        String version = service.initial().version();

        Files.writeString(rules.resolve("vip\u200B.drl"), segment("vip"));                 // a zero-width space
        Files.writeString(rules.resolve("a\\b.drl"), segment("backslash"));                // one file on Linux, read as a/b.drl before
        Files.writeString(Files.createDirectories(rules.resolve("old.")).resolve("x.drl"), segment("dot"));
        Files.writeString(Files.createDirectories(rules.resolve("old ")).resolve("y.drl"), segment("space"));
        Files.writeString(rules.resolve("\u202Egnp.drl"), segment("bidi"));                // shows as "lrd.png" reversed
        RuleService.Status s = service.reload();

        assertThat(s.lastReloadFailed()).isTrue();
        assertThat(s.activeVersion()).isEqualTo(version);
        assertThat(s.files()).containsExactly("<U+202E>gnp.drl", "a\\b.drl", "high-value-new-product.drl", "old /y.drl",
                "old./x.drl", "vip<U+200B>.drl");
        assertThat(s.messages()).extracting(RuleMessage::toString).containsExactly(
                "<U+202E>gnp.drl:1:1: error: this file's name is not allowed: the name has an invisible formatting character "
                        + "(U+202E) at character 1; rename the file",
                "a\\b.drl:1:1: error: this file's name is not allowed: the name has a backslash (U+005C) at character 2: "
                        + "folders are separated by '/'; rename the file",
                "old /y.drl:1:1: error: this file's name is not allowed: 'old ' ends in a space, which Windows drops from "
                        + "names; rename the file",
                "old./x.drl:1:1: error: this file's name is not allowed: 'old.' ends in '.', which Windows drops from names; "
                        + "rename the file",
                "vip<U+200B>.drl:1:1: error: this file's name is not allowed: the name has an invisible formatting character "
                        + "(U+200B) at character 4; rename the file");
        // The file's text is still read, for its page; nothing of it compiles.
        assertThat(service.files().texts().get("vip<U+200B>.drl")).isEqualTo(segment("vip"));
    }

    /**
     * Files each under their own limit can still add up to more than the heap: the set's files
     * together hold at most 64 MiB, and one past that is refused unread, the running rules serving.
     */
    @Test
    void filesPastTheSetsTotalAreRefusedUnreadAndTheRunningRulesKeepServing() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        RuleService service = service(rules);
        String version = service.initial().version();
        // Sparse files of 15 MiB each: cheap to make, read as that many bytes.
        for (int i = 1; i <= 5; i++) {
            try (var f = new java.io.RandomAccessFile(rules.resolve("big-" + i + ".drl").toFile(), "rw")) {
                f.setLength(15L << 20);
            }
        }
        RuleService.Status s = service.reload();
        assertThat(s.lastReloadFailed()).isTrue();
        assertThat(s.activeVersion()).isEqualTo(version);
        List<RuleMessage> past = s.messages().stream().filter(m -> m.message().contains("64 MiB together")).toList();
        assertThat(past).as(s.messages().toString()).hasSize(1);
        assertThat(past.get(0).file()).startsWith("big-");
        assertThat(service.files().texts().get(past.get(0).file())).as("the file past the total is not read").isEmpty();
    }

    @Test
    void aNameWhoseBytesAreNotUtf8IsRefusedByItsName() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        // Java cannot make such a name (it writes names as UTF-8); the shell writes the bytes of "café.drl" in Latin-1.
        Process p = new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'caf\\351.drl')\"").directory(rules.toFile()).start();
        assertThat(p.waitFor()).isZero();
        RuleFiles files = RuleService.read(rules);
        assertThat(files.problems().values()).extracting(RuleMessage::toString).containsExactly("caf\uFFFD.drl:1:1: error: "
                + "this file's name is not allowed: the name has a replacement character (U+FFFD) at character 4: its bytes "
                + "are not UTF-8 text; rename the file");
    }

    /**
     * A rules directory that is a link (rules -> releases/42: a deploy that switches releases at
     * once) is read through it. The walk follows no link, so it read nothing there, and no files
     * compile: every segment would have gone, and with them every member.
     */
    @Test
    void aRulesDirectoryThatIsALinkIsReadThroughIt() throws Exception {
        Path release = Files.createDirectories(tmp.resolve("releases/42"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), release.resolve("high-value-new-product.drl"));
        Path rules = Files.createSymbolicLink(tmp.resolve("rules"), release);
        assertThat(service(rules).initial().segments().keySet()).containsExactly("high-value-new-product");
    }

    @Test
    void theAllowListIsOneForTheDirectoryTheSandboxAndDrafts() {
        for (String ok : List.of("a.drl", "my segment.drl", "-x.drl", "Q3 (draft) é.drl", "team/x.drl", " lead.drl", "t.csv",
                "t.xlsx", "日本語.drl", "x".repeat(196) + ".drl")) {
            assertThat(RuleFileNames.refusal(ok)).as(ok).isEmpty();
        }
        for (String bad : List.of("", "x.txt", "x.DRL", "/abs.drl", "a//b.drl", "a/", "./a.drl", "a/../b.drl", ".drl", "a/.drl",
                ".hidden.drl", "~$t.xlsx", "a\\b.drl", "a\u0000.drl", "a\n.drl", "a\t.drl", "a\u200B.drl", "a\u2028.drl",
                "a\uD800.drl", "a\uE000.drl", "a\u0378.drl", "a\uFFFD.drl", "sub./x.drl", "sub /x.drl", "sub\u00A0/x.drl",
                "x".repeat(197) + ".drl")) {
            assertThat(RuleFileNames.refusal(bad)).as(RuleFileNames.shown(bad)).isPresent();
        }
        // The sandbox, which also sees stored rule sets and drafts, says the same.
        CompileResult r = new RuleCompiler(Clock.systemUTC()).compile(Map.of("Q3 (draft) é.drl", segment("q3"),
                "a\u200B.drl", segment("zw")));
        assertThat(r.errors()).extracting(RuleMessage::toString).containsExactly("a<U+200B>.drl:0:0: error: this file's name "
                + "is not allowed: the name has an invisible formatting character (U+200B) at character 2");
    }
}
