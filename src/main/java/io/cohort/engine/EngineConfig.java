package io.cohort.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** Config key {@code engine}. */
public class EngineConfig {
    /** Directory of the *.drl rule files (and their *.test.yml rule tests). */
    @NotNull @JsonProperty private String rulesDirectory = "rules";
    /** Number of sessions (shards) facts are partitioned into; each evaluates on its own thread. */
    @Min(1) @Max(256) @JsonProperty private int shards = 2;
    /** How often time moves forward for rules (the Now fact): window memberships exit on time. */
    @NotNull @JsonProperty private Duration tick = Duration.minutes(1);
    /** Events older than this are not facts (they cannot match a window shorter than this). */
    @NotNull @JsonProperty private Duration eventRetention = Duration.days(90);
    /** Firings allowed per shard per evaluation round before a looping rule is stopped. */
    @Min(100) @JsonProperty private int maxFiringsPerRound = 1_000_000;
    /** Poll the rules directory for edits (in addition to the reload-rules admin task). */
    @JsonProperty private boolean watchRules = true;
    @NotNull @JsonProperty private Duration watchInterval = Duration.seconds(2);
    /** Testing only: time stands still until the clock admin task moves it. */
    @JsonProperty private boolean manualClock = false;
    /** Testing only: where the manual clock starts (ISO-8601 instant); default the real time. */
    @JsonProperty private java.time.Instant manualClockStart;

    public String rulesDirectory() { return rulesDirectory; }
    public int shards() { return shards; }
    public Duration tick() { return tick; }
    public Duration eventRetention() { return eventRetention; }
    public int maxFiringsPerRound() { return maxFiringsPerRound; }
    public boolean watchRules() { return watchRules; }
    public Duration watchInterval() { return watchInterval; }
    public boolean manualClock() { return manualClock; }
    public java.time.Instant manualClockStart() { return manualClockStart; }
}
