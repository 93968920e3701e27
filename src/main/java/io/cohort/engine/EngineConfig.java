package io.cohort.engine;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** Config key {@code engine}. Every key is described in docs/operations.md. */
public class EngineConfig {
    /** Directory of the *.drl rule files (and their *.test.yml rule tests). */
    @NotNull @JsonProperty private String rulesDirectory = "rules";
    /** Threads evaluating people in parallel (each evaluation is a throw-away session). */
    @Min(1) @Max(256) @JsonProperty @JsonAlias("shards") private int workers = 2;
    /** People evaluated together in one session (they share their accounts' facts). */
    @Min(1) @Max(100_000) @JsonProperty private int chunkSize = 500;
    /**
     * The most relations to people a unified account or deal may have for rules that look two
     * steps (a colleague's activity) to look through it: beyond that (a catch-all "Unknown"
     * account) its people are evaluated without each other. docs/operations.md, "engine".
     */
    @Min(1) @Max(1_000_000) @JsonProperty private int stepTwoLimit = io.cohort.identity.ProfileGraph.DEFAULT_STEP_TWO_LIMIT;
    /**
     * People per round when everyone is evaluated (a rule edit, changed rules at start, a sweep):
     * what one round holds and writes in one transaction; the workers evaluate the next round
     * while one is written.
     */
    @Min(1) @Max(1_000_000) @JsonProperty private int roundSize = 20_000;
    /** How often time moves forward for rules: window memberships exit on time. */
    @NotNull @JsonProperty private Duration tick = Duration.minutes(1);
    /** Events older than this are not held (they cannot match a window shorter than this). */
    @NotNull @JsonProperty private Duration eventRetention = Duration.days(90);
    /**
     * Rule firings allowed per fact of an evaluation (a batch of people with their neighbourhoods)
     * before the rule that fired most is suspended; normal rules fire a few times per fact.
     */
    @Min(1) @JsonProperty private int maxFiringsPerFact = 1_000;
    /** Facts rules may derive (insertLogical) per fact of an evaluation, likewise. */
    @Min(1) @JsonProperty private int maxDerivedPerFact = 100;
    /** Firings allowed in one evaluation whatever its size. */
    @Min(100) @JsonProperty private int maxFiringsPerRound = 10_000_000;
    /** Derived facts allowed in one evaluation whatever its size. */
    @Min(100) @JsonProperty private int maxDerivedFacts = 1_000_000;
    /** Wall time one evaluation may take before the rule that fired most is suspended. */
    @NotNull @JsonProperty private Duration maxEvaluationTime = Duration.seconds(30);
    /**
     * Bytes one evaluation may allocate (its session's facts, join memory and matches) before the
     * rule being matched is suspended: a rule whose joins multiply fills the heap before it fires
     * once. Empty: an eighth of the heap (-Xmx).
     */
    @JsonProperty private io.dropwizard.util.DataSize maxEvaluationMemory;
    /** Bytes one evaluation may allocate per fact it evaluates, likewise (never below 64 MiB in all). */
    @NotNull @JsonProperty private io.dropwizard.util.DataSize maxEvaluationMemoryPerFact = io.dropwizard.util.DataSize.kibibytes(64);
    /**
     * Evaluate in reset sessions from a pool instead of a new session per chunk (Drools'
     * KieSessionsPool): the gate benchmark (bench/jmh.sh, 1M, quiet) measured one person's
     * evaluation 13% cheaper on average, p99 852 → 606 µs. False builds a new session every time.
     */
    @JsonProperty private boolean sessionPool = true;
    /**
     * A sweep over everyone for some segments (a rule edit, a start after rules changed, the clock's
     * sweep, re-evaluate) first runs those segments' rules cut down to what they ask of the person
     * alone (their Person and Activity) on each person's own facts, and builds the whole
     * neighbourhood only for the people that passes. False evaluates everyone whole.
     */
    @JsonProperty private boolean ownConditionsFirst = true;
    /**
     * How often segments whose rules read the time other than through a window (Activity helpers,
     * event timestamps, a deal's createdDate/closeDate compared with $now) are evaluated for everyone.
     */
    @NotNull @JsonProperty private Duration clockSweep = Duration.days(1);
    /** The safety net: how often a sample of people is evaluated afresh and compared (0: never). */
    @NotNull @JsonProperty private Duration consistencyCheck = Duration.minutes(10);
    /** People per consistency check. */
    @Min(0) @JsonProperty private int consistencySample = 1_000;
    /**
     * People checked right after a start that trusted the stored memberships (rules and data
     * unchanged, nobody evaluated), rather than ten minutes later: a restart is when stored state is
     * taken on trust. Random people cost more than a rule edit's (no shared accounts): 20,000 took
     * 13.5 s of both cores at 1M, so the default is small. 0: none; also none when
     * consistencyCheck is 0.
     */
    @Min(0) @JsonProperty private int consistencySampleAtStart = 2_000;
    /** Poll the rules directory for edits (in addition to the reload-rules admin task). */
    @JsonProperty private boolean watchRules = true;
    @NotNull @JsonProperty private Duration watchInterval = Duration.seconds(2);
    /** Time limit of a preview or an explanation (they never block later calls). */
    @NotNull @JsonProperty private Duration previewTimeout = Duration.seconds(30);
    /**
     * Where a binary image of the profile graph is written at a clean shutdown and read at the
     * next start instead of reading every stored record (a cache: ignored unless it matches the
     * store exactly). Empty: no snapshot, every start reads the store.
     */
    @JsonProperty private String snapshotFile = "";
    /**
     * How often the graph snapshot is also written while the service runs, so that a restart after
     * a crash catches up from a recent one instead of loading the whole store. Skipped when no
     * batch arrived since. Ingestion goes on meanwhile; the batches it brings are evaluated once
     * the write ends. 0: only at a clean stop.
     */
    @NotNull @JsonProperty private Duration checkpointInterval = Duration.hours(1);
    /** Testing only: time stands still until the clock admin task moves it. */
    @JsonProperty private boolean manualClock = false;
    /** Testing only: where the manual clock starts (ISO-8601 instant); default the real time. */
    @JsonProperty private java.time.Instant manualClockStart;

    public String rulesDirectory() { return rulesDirectory; }
    public int workers() { return workers; }
    public int chunkSize() { return chunkSize; }
    public int stepTwoLimit() { return stepTwoLimit; }
    public int roundSize() { return roundSize; }
    public boolean sessionPool() { return sessionPool; }
    public boolean ownConditionsFirst() { return ownConditionsFirst; }
    public Duration tick() { return tick; }
    public Duration eventRetention() { return eventRetention; }
    public int maxFiringsPerRound() { return maxFiringsPerRound; }
    public int maxDerivedFacts() { return maxDerivedFacts; }
    public int maxFiringsPerFact() { return maxFiringsPerFact; }
    public int maxDerivedPerFact() { return maxDerivedPerFact; }
    public Duration maxEvaluationTime() { return maxEvaluationTime; }
    public long maxEvaluationMemoryBytes() {
        return maxEvaluationMemory == null ? Budget.DEFAULT_MAX_BYTES : Math.max(Budget.MIN_BYTES, maxEvaluationMemory.toBytes());
    }
    public Duration clockSweep() { return clockSweep; }
    public Duration consistencyCheck() { return consistencyCheck; }
    public int consistencySample() { return consistencySample; }
    public int consistencySampleAtStart() { return consistencySampleAtStart; }
    public boolean watchRules() { return watchRules; }
    public Duration watchInterval() { return watchInterval; }
    public Duration previewTimeout() { return previewTimeout; }
    public boolean manualClock() { return manualClock; }
    public java.util.Optional<java.nio.file.Path> snapshotFile() {
        return snapshotFile == null || snapshotFile.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(java.nio.file.Path.of(snapshotFile));
    }
    public java.time.Instant manualClockStart() { return manualClockStart; }
    public Duration checkpointInterval() { return checkpointInterval; }

    /** The budget of one evaluation. */
    public Budget budget() {
        return new Budget(maxFiringsPerRound, maxDerivedFacts, maxEvaluationTime.toNanoseconds(), maxEvaluationMemoryBytes(),
                maxFiringsPerFact, maxDerivedPerFact, Math.max(1, maxEvaluationMemoryPerFact.toBytes()));
    }
}
