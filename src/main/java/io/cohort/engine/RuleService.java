package io.cohort.engine;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules directory and its lifecycle: compile at start, recompile on edits, swap into the
 * evaluator only when the whole set compiles. A broken edit leaves the running rules serving and
 * its errors visible in {@link #status()}.
 */
public final class RuleService {
    private static final Logger LOG = LoggerFactory.getLogger(RuleService.class);

    /** What GET /v1/rules shows. */
    public record Status(String activeVersion, Instant activeSince, List<String> files, List<RuleMessage> messages,
                         boolean lastReloadFailed, Instant lastAttempt) {}

    /** Where the last applied rule set is kept; a restart after a broken edit falls back to it. */
    public interface LastGood {
        void save(String version, Map<String, String> files, long appliedAtMillis);

        java.util.Optional<Map<String, String>> load();

        LastGood NONE = new LastGood() {
            @Override public void save(String version, Map<String, String> files, long at) {}

            @Override public java.util.Optional<Map<String, String>> load() { return java.util.Optional.empty(); }
        };
    }

    private final Path directory;
    private final RuleCompiler compiler;
    private final Clock clock;
    private final LastGood lastGood;
    private final RuleDirectory.Reader reader;
    private volatile Status status;
    /** The status of the rules being applied by {@link #reload}, until it returns. */
    private volatile Status applying;
    private volatile RuleFiles lastSeen = RuleFiles.of(Map.of());
    private final java.util.concurrent.atomic.AtomicLong failedLoads = new java.util.concurrent.atomic.AtomicLong();
    /** First wait before a rule set that compiled but could not be applied is tried again; doubles up to {@link #RETRY_MAX}. */
    public static final java.time.Duration RETRY_FIRST = java.time.Duration.ofSeconds(10);
    public static final java.time.Duration RETRY_MAX = java.time.Duration.ofMinutes(10);
    /** The "file" of the status message of a set that compiled but could not be applied. */
    public static final String NOT_APPLIED = "(rules)";
    /** Applies that failed in a row (the store away, say), and when the watcher tries again; null: nothing to retry. */
    private int failedApplies;
    private volatile Instant retryAt;
    /** True once the watcher looks at the directory (it is the one that tries a failed apply again). */
    private volatile boolean watching;
    private RuleTarget evaluator;
    /** Segments of the rule set that serves; -1 before the first. */
    private volatile int activeSegments = -1;
    /** The directory's first compile, started ahead by {@link #compileAhead}; taken by {@link #initial}. */
    private java.util.concurrent.FutureTask<Map.Entry<RuleFiles, CompileResult>> ahead;

    /** A rule service that keeps no last applied rule set (tools, tests). */
    public RuleService(Path directory, RuleCompiler compiler, Clock clock) {
        this(directory, compiler, clock, LastGood.NONE);
    }

    public RuleService(Path directory, RuleCompiler compiler, Clock clock, LastGood lastGood) {
        this(directory, compiler, clock, lastGood, RuleDirectory.FILES);
    }

    /** @param reader how a file of the directory is read (tests: a read that fails as it does for a user without permission) */
    RuleService(Path directory, RuleCompiler compiler, Clock clock, LastGood lastGood, RuleDirectory.Reader reader) {
        this.reader = reader;
        this.directory = directory;
        this.compiler = compiler;
        this.clock = clock;
        this.lastGood = lastGood;
    }

    /**
     * Compiles the directory for start-up. When it does not compile, the last applied rule set
     * serves instead (and the errors show, as after a broken edit); with none, start-up fails.
     */
    public RuleBook initial() {
        Map.Entry<RuleFiles, CompileResult> first = ahead != null ? Futures.get(ahead) : readAndCompile();
        ahead = null;
        RuleFiles files = first.getKey();
        CompileResult r = first.getValue();
        lastSeen = files;
        // The last applied set is compiled only when it may serve (the files do not compile, or
        // compile to no segment): a compile costs seconds of the start.
        boolean mayServe = !r.ok() || r.ruleBook().orElseThrow().segments().isEmpty();
        Optional<CompileResult> fallback = mayServe ? compiledLastGood() : Optional.empty();
        if (r.ok() && removesEverySegment(r, fallback.map(f -> f.ruleBook().orElseThrow().segments().size()).orElse(0))) {
            r = refusedAsEmpty(r);
        }
        if (r.ok()) {
            RuleBook book = r.ruleBook().orElseThrow();
            lastGood.save(book.version(), files.texts(), clock.millis());
            status = new Status(book.version(), book.compiledAt(), List.copyOf(files.texts().keySet()), r.messages(), false, clock.instant());
            activeSegments = book.segments().size();
            return book;
        }
        String errors = String.join("\n  ", r.errors().stream().map(RuleMessage::toString).toList());
        if (fallback.isEmpty()) {
            throw new IllegalStateException("rules in " + directory.toAbsolutePath() + " do not compile:\n  " + errors);
        }
        RuleBook book = fallback.get().ruleBook().orElseThrow();
        activeSegments = book.segments().size();
        failedLoads.incrementAndGet();
        LOG.error("rules in {} do not compile; serving the last applied rule set {} instead:\n  {}",
                directory.toAbsolutePath(), book.version(), errors);
        status = new Status(book.version(), book.compiledAt(), List.copyOf(files.texts().keySet()), r.messages(), true, clock.instant());
        return book;
    }

    /** The last applied rule set, compiled, when there is one and it compiles. */
    private Optional<CompileResult> compiledLastGood() {
        return lastGood.load().map(compiler::compile).filter(CompileResult::ok);
    }

    /**
     * Starts the compile that {@link #initial} needs on a thread of its own, so that it runs
     * while the rest of the start does (the database's migration): both take a core for seconds.
     */
    public RuleService compileAhead() {
        ahead = new java.util.concurrent.FutureTask<>(this::readAndCompile);
        Thread t = new Thread(ahead, "cohort-rules-first-compile");
        t.setDaemon(true);
        t.start();
        return this;
    }

    private Map.Entry<RuleFiles, CompileResult> readAndCompile() {
        RuleFiles files = files();
        return Map.entry(files, compiler.compile(files));
    }

    public void attach(RuleTarget target) { this.evaluator = target; }

    /**
     * Cluster mode: another process applied {@code book} to the cluster and this one now runs it;
     * the status shows it (the files are the cluster's, not necessarily this directory's).
     */
    public void followed(RuleBook book) {
        Status prev = status;
        if (prev != null && book.version().equals(prev.activeVersion())) return;
        status = new Status(book.version(), book.compiledAt(), List.copyOf(book.files().keySet()), List.of(), false,
                clock.instant());
        activeSegments = book.segments().size();
        LOG.info("rules {} applied by the cluster ({} segments)", book.version(), book.segments().size());
    }

    /** Re-reads the directory; applies it when it compiles, else keeps the running rules. */
    public synchronized Status reload() {
        RuleFiles files = files();
        lastSeen = files;
        CompileResult r = compiler.compile(files);
        if (r.ok() && removesEverySegment(r, activeSegments)) r = refusedAsEmpty(r);
        Status prev = status;
        if (!r.ok()) {
            retryAt = null; // broken files: nothing to try again until they change
            failedApplies = 0;
            failedLoads.incrementAndGet();
            LOG.warn("rules not applied, the running rules {} keep serving:\n  {}", prev.activeVersion(),
                    String.join("\n  ", r.errors().stream().map(RuleMessage::toString).toList()));
            status = new Status(prev.activeVersion(), prev.activeSince(), List.copyOf(files.texts().keySet()), r.messages(),
                    true, clock.instant());
            return status;
        }
        RuleBook book = r.ruleBook().orElseThrow();
        if (evaluator == null) {
            // The engine is still starting: it starts with the rules it was given; try again later.
            lastSeen = RuleFiles.of(Map.of());
            return status;
        }
        // What the status will say once applied: the engine swaps the rules before reload returns,
        // and a read in between must not show the new segments beside the old files (statusOf).
        applying = new Status(book.version(), book.compiledAt(), List.copyOf(files.texts().keySet()), r.messages(), false, clock.instant());
        try {
            evaluator.reload(book).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading rules", e);
        } catch (java.util.concurrent.ExecutionException e) {
            // Nothing was swapped: the running rules keep serving, and the status says so. The
            // rounds stored before the failure already follow the new rules, so the set is tried
            // again (a store that was away comes back) until it is applied or the files change.
            java.time.Duration wait = RETRY_FIRST.multipliedBy(1L << Math.min(failedApplies, 16));
            if (wait.compareTo(RETRY_MAX) > 0) wait = RETRY_MAX;
            failedApplies++;
            retryAt = clock.instant().plus(wait);
            LOG.error("rules {} compiled but could not be applied; the running rules {} keep serving; tried again at {}",
                    book.version(), prev.activeVersion(), retryAt, e.getCause());
            List<RuleMessage> messages = new java.util.ArrayList<>(r.messages());
            messages.add(RuleMessage.error(NOT_APPLIED, 0, 0, "the rules compiled but evaluating them failed: " + e.getCause()
                    + "; the segments they change may hold some of the new rules' members until they are applied: tried "
                    + "again at " + retryAt + (watching ? "" : " if engine.watchRules is on")
                    + ", or now with POST /tasks/reload-rules"));
            status = new Status(prev.activeVersion(), prev.activeSince(), List.copyOf(files.texts().keySet()), List.copyOf(messages),
                    true, clock.instant());
            applying = null;
            return status;
        }
        retryAt = null;
        failedApplies = 0;
        activeSegments = book.segments().size();
        lastGood.save(book.version(), files.texts(), clock.millis());
        status = applying;
        applying = null;
        LOG.info("rules {} applied ({} files, {} segments)", book.version(), files.texts().size(), book.segments().size());
        files.passedOver().values().forEach(w -> LOG.warn("rules {}: {}", book.version(), w));
        return status;
    }

    /**
     * Whether {@code compiled}, which declares no segment, would replace rules that declare some:
     * the rules directory emptied (a checkout under way, a deploy swapping it, files moved away by
     * mistake) would otherwise end every segment and, through the activations, remove every member
     * from every Marketo list and LinkedIn audience, to add them all back when the files return.
     */
    private static boolean removesEverySegment(CompileResult compiled, int running) {
        return running > 0 && compiled.ruleBook().map(b -> b.segments().isEmpty()).orElse(false);
    }

    /** {@code compiled} as a refused set: the running rules keep serving, and the status says why. */
    private CompileResult refusedAsEmpty(CompileResult compiled) {
        List<RuleMessage> messages = new java.util.ArrayList<>(compiled.messages());
        messages.add(RuleMessage.error(NOT_APPLIED, 0, 0, "the rule files in " + directory.toAbsolutePath() + " declare no "
                + "segment: applying them would end every segment and remove every member from every destination, so they "
                + "are not applied and the running rules keep serving; check that the rule files are in place"));
        return new CompileResult(java.util.Optional.empty(), List.copyOf(messages));
    }

    /** Reloads when a file was added, removed or changed since the last look (for the watcher). */
    public void reloadIfChanged() {
        watching = true;
        RuleFiles files = files();
        Instant retry = retryAt;
        if (!files.equals(lastSeen) || retry != null && !clock.instant().isBefore(retry)) reload();
    }

    /**
     * Compiles the current files with one file added or replaced, without applying anything; its
     * bytes are read as a file of the directory is (not UTF-8 text: an error, as it would be there).
     */
    public CompileResult validate(String file, byte[] drl) {
        return drafted(() -> compiler.compile(files().with(RuleFiles.fromBytes(Map.of(file, drl)))));
    }

    /** Compiles the current files plus {@code drafts}, for previews; applies nothing. */
    public CompileResult compileWith(Map<String, String> drafts) {
        return drafted(() -> compiler.compile(files().with(RuleFiles.of(drafts))));
    }

    /** Drafts compiling at once, validations and previews together. */
    public static final int DRAFT_COMPILES = 2;

    /** {@value #DRAFT_COMPILES} drafts are compiling: come back when one is done. */
    public static final class BusyException extends RuntimeException {
        BusyException() {
            super(DRAFT_COMPILES + " drafts are compiling (validations and previews); retry when one is done");
        }
    }

    /**
     * One gate for every draft's compile: a compile cannot be stopped and a large draft holds a
     * core for tens of seconds, so validations and previews share these places (each kept its own
     * before, and two of each held four compiles on a two-core machine, beside evaluation).
     */
    private final java.util.concurrent.Semaphore draftCompiles = new java.util.concurrent.Semaphore(DRAFT_COMPILES);

    private CompileResult drafted(java.util.function.Supplier<CompileResult> compile) {
        if (!draftCompiles.tryAcquire()) throw new BusyException();
        try {
            return compile.get();
        } finally {
            draftCompiles.release();
        }
    }

    public Status status() { return status; }

    /**
     * The status as of the rules the engine runs ({@code runningVersion}): during a reload the
     * engine runs the new rules a moment before {@link #reload} records them.
     */
    public Status statusOf(String runningVersion) {
        Status s = status;
        Status next = applying;
        return !s.activeVersion().equals(runningVersion) && next != null && next.activeVersion().equals(runningVersion) ? next : s;
    }

    /** Loads (at start or on reload) whose files did not compile, since this service started: a metric. */
    public long failedLoads() { return failedLoads.get(); }

    public Path directory() { return directory; }

    /** Every rule file (*.drl, and decision tables *.csv, *.xlsx) below the rules directory, as read. */
    public RuleFiles files() { return RuleDirectory.read(directory, reader); }

    /**
     * Every rule file below {@code directory}, by relative path (see {@link RuleFiles}). Files an
     * editor keeps while a workbook is open ("~$t.xlsx") and hidden files and folders are not rules.
     * A file that is not UTF-8 text, cannot be read (permissions, a link, not a regular file) or
     * has a name that {@link RuleFileNames} refuses is listed all the same: compiling it reports
     * it, as an error of that file while the running rules keep serving, not as a failure to read
     * the directory (see {@link RuleDirectory}).
     */
    public static RuleFiles read(Path directory) { return RuleDirectory.read(directory, RuleDirectory.FILES); }

    /** The texts of {@link #read}, for tools and tests; a file that is not UTF-8 text or cannot be read fails it. */
    public static Map<String, String> readDirectory(Path directory) {
        RuleFiles files = read(directory);
        if (!files.problems().isEmpty()) throw new IllegalStateException(files.problems().values().iterator().next().toString());
        return files.texts();
    }
}
