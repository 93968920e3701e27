package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A rule file the service cannot read is an error of that file, like one that is not UTF-8: the
 * reload fails naming it, the other files are read, the running rules keep serving, and it is
 * logged once, as a warning. Found by the hostile-input campaign: a file of mode 000 made every
 * read of the directory throw, so the watcher logged an ERROR with a stack trace every interval
 * and nothing said which file.
 */
class UnreadableRuleFileTest {
    static final String HEADER = NotUtf8Test.HEADER;
    @TempDir Path tmp;

    /**
     * Reads as the service's user would. The tests run as root here, and root reads a file of mode
     * 000 all the same (CAP_DAC_OVERRIDE), so no file on disk fails to read for it: this reader
     * refuses a file nobody may read, as the system does for any other user, and reads the rest as
     * the service does. Run as another user, the system refuses it first, with the same exception.
     */
    static final RuleDirectory.Reader AS_A_USER = file -> {
        if (PosixFilePermissions.toString(Files.getPosixFilePermissions(file)).indexOf('r') < 0) {
            throw new AccessDeniedException(file.toString());
        }
        return RuleDirectory.FILES.read(file);
    };

    static String segment(String id) { return RuleDirectoryTest.segment(id); }

    /**
     * An Error out of a reload (here the read of one file overflows the stack, once) used to end
     * the watcher's scheduled task for good: no later edit was ever applied, and nothing said so
     * after the one stack trace. The watcher logs it and looks again.
     */
    @Test
    void anErrorInOneReloadDoesNotStopTheWatcher() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        Clock clock = Clock.systemUTC();
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        RuleDirectory.Reader once = file -> {
            if (file.getFileName().toString().equals("deep.drl") && thrown.compareAndSet(false, true)) throw new StackOverflowError();
            return RuleDirectory.FILES.read(file);
        };
        RuleService service = new RuleService(rules, new RuleCompiler(clock), clock, RuleService.LastGood.NONE, once);
        String version = service.initial().version();
        service.attach(book -> CompletableFuture.completedFuture(null));
        Files.writeString(rules.resolve("deep.drl"), segment("deep"));
        RuleWatcher watcher = new RuleWatcher(service, 20);
        watcher.start();
        try {
            await(thrown::get);
            await(() -> !service.status().activeVersion().equals(version));
            assertThat(service.status().lastReloadFailed()).isFalse();
            assertThat(service.status().files()).contains("deep.drl");
        } finally {
            watcher.stop();
        }
    }

    @Test
    void aFileThatCannotBeReadIsAFailedReloadNamingItLoggedOnceWhileTheRunningRulesServe() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        Clock clock = Clock.systemUTC();
        RuleService service = new RuleService(rules, new RuleCompiler(clock), clock, RuleService.LastGood.NONE, AS_A_USER);
        String version = service.initial().version();
        service.attach(book -> CompletableFuture.completedFuture(null));
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger serviceLog = (Logger) LoggerFactory.getLogger(RuleService.class);
        Logger watcherLog = (Logger) LoggerFactory.getLogger(RuleWatcher.class);
        serviceLog.addAppender(log);
        watcherLog.addAppender(log);
        // One edit, in place before the watcher looks: a file nobody may read, and a new file beside it.
        Path denied = Files.writeString(rules.resolve("denied.drl"), segment("denied"));
        Files.setPosixFilePermissions(denied, Set.of());
        Files.writeString(rules.resolve("newcomer.drl"), segment("newcomer"));
        RuleWatcher watcher = new RuleWatcher(service, 20);
        watcher.start();
        try {
            await(() -> service.status().lastReloadFailed());
            Thread.sleep(500); // some 25 watch intervals with the files unchanged

            RuleService.Status s = service.status();
            assertThat(s.activeVersion()).isEqualTo(version);
            assertThat(s.files()).containsExactly("denied.drl", "high-value-new-product.drl", "newcomer.drl");
            assertThat(s.messages()).extracting(RuleMessage::toString)
                    .containsExactly("denied.drl:1:1: error: cannot read this file: permission denied");
            assertThat(service.files().texts()).containsEntry("newcomer.drl", segment("newcomer")).containsEntry("denied.drl", "");
            assertThat(log.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).singleElement().satisfies(e -> {
                assertThat(e.getLoggerName()).isEqualTo(RuleService.class.getName());
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getThrowableProxy()).isNull();
                assertThat(e.getFormattedMessage()).contains("denied.drl:1:1: error: cannot read this file: permission denied")
                        .contains("keep serving");
            });

            // Readable again: the set is applied, the file's segment with it.
            Files.setPosixFilePermissions(denied, PosixFilePermissions.fromString("rw-r--r--"));
            await(() -> !service.status().lastReloadFailed() && !service.status().activeVersion().equals(version));
            assertThat(service.status().messages()).isEmpty();
        } finally {
            watcher.stop();
            serviceLog.detachAppender(log);
            watcherLog.detachAppender(log);
        }
    }

    /**
     * The same with the system refusing, for any user but root (skipped as root, which reads both;
     * checked by hand as nobody): a file and a folder of mode 000. The folder's rule files are
     * unknown, so the set is not applied without them.
     */
    @Test
    void asAnyUserButRootAFileAndAFolderOfMode000AreErrorsOfTheirOwn() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        Path denied = Files.writeString(rules.resolve("denied.drl"), segment("denied"));
        Path locked = Files.createDirectories(rules.resolve("locked"));
        Files.writeString(locked.resolve("inner.drl"), segment("inner"));
        Files.setPosixFilePermissions(denied, Set.of());
        Files.setPosixFilePermissions(locked, Set.of());
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(denied), "root reads a file of mode 000");
            assertThat(RuleService.read(rules).problems().values()).extracting(RuleMessage::toString).containsExactly(
                    "denied.drl:1:1: error: cannot read this file: permission denied",
                    "locked/:1:1: error: cannot read this folder: permission denied; the rule files in it are unknown");
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------")); // for @TempDir to delete it
        }
    }

    /** What fails to read for root too: a link (never followed), a named pipe, a file of 3 GB (sparse: no disk taken). */
    @Test
    void linksPipesAndFilesTooLargeToReadAreErrorsOfTheirOwn() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(Path.of("rules/high-value-new-product.drl"), rules.resolve("high-value-new-product.drl"));
        RuleService service = RuleDirectoryTest.service(rules);
        String version = service.initial().version();

        Files.createSymbolicLink(rules.resolve("gone.drl"), tmp.resolve("nowhere.drl"));
        Files.createSymbolicLink(rules.resolve("elsewhere.drl"), Files.writeString(tmp.resolve("outside.drl"), segment("outside")));
        Process fifo = new ProcessBuilder("mkfifo", rules.resolve("pipe.drl").toString()).inheritIO().start();
        assertThat(fifo.waitFor()).isZero();
        try (RandomAccessFile f = new RandomAccessFile(rules.resolve("huge.drl").toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        // A folder named like a rule file is a folder: what it holds is read.
        Files.writeString(Files.createDirectories(rules.resolve("folder.drl")).resolve("inner.drl"), segment("inner"));
        RuleService.Status s = service.reload();

        assertThat(s.lastReloadFailed()).isTrue();
        assertThat(s.activeVersion()).isEqualTo(version);
        assertThat(s.messages()).extracting(RuleMessage::toString).containsExactly(
                "elsewhere.drl:1:1: error: cannot read this file: it is a symbolic link, and links are not followed; put the "
                        + "file itself here",
                "gone.drl:1:1: error: cannot read this file: it is a symbolic link, and links are not followed; put the file "
                        + "itself here",
                "huge.drl:1:1: error: cannot read this file: it has 3221225472 bytes; a rule file holds at most 1,000,000 "
                        + "characters, a decision table 5 MiB",
                "pipe.drl:1:1: error: cannot read this file: it is not a regular file (a named pipe, a socket or a device)");
        assertThat(s.files()).contains("folder.drl/inner.drl");
        assertThat(service.files().texts().get("folder.drl/inner.drl")).isEqualTo(segment("inner"));
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for the rules watcher").isLessThan(end);
            Thread.sleep(20);
        }
    }
}
