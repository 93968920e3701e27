package io.cohort.ingest;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Min;

/**
 * Request limits for ingestion (config key {@code ingest}, e.g. {@code ingest.maxBodyBytes}). Each
 * protects the service from one kind of oversized input; exceeding any gives a 4xx that names the limit.
 */
public class IngestLimits {
    @Min(1) @JsonProperty private int maxRecordsPerBatch = 10_000;
    @Min(1) @JsonProperty private int maxStringLength = 4_096;
    @Min(1) @JsonProperty private int maxAttributes = 100;
    @Min(2) @JsonProperty private int maxArrayLength = 1_000;
    @Min(1) @JsonProperty private long maxBodyBytes = 32L * 1024 * 1024;
    @Min(2) @JsonProperty private int maxNestingDepth = 16;

    public int maxRecordsPerBatch() { return maxRecordsPerBatch; }
    public int maxStringLength() { return maxStringLength; }
    public int maxAttributes() { return maxAttributes; }
    public int maxArrayLength() { return maxArrayLength; }
    public long maxBodyBytes() { return maxBodyBytes; }
    public int maxNestingDepth() { return maxNestingDepth; }

    /**
     * No limit at all: for reading records stored earlier, which were accepted under the limits of
     * their day; an operator lowering a limit since must not make them unreadable.
     */
    public static IngestLimits none() {
        IngestLimits l = new IngestLimits();
        l.maxRecordsPerBatch = Integer.MAX_VALUE;
        l.maxStringLength = Integer.MAX_VALUE;
        l.maxAttributes = Integer.MAX_VALUE;
        l.maxArrayLength = Integer.MAX_VALUE;
        l.maxBodyBytes = Long.MAX_VALUE;
        l.maxNestingDepth = Integer.MAX_VALUE;
        return l;
    }

    public IngestLimits withMaxRecordsPerBatch(int n) {
        IngestLimits l = copy();
        l.maxRecordsPerBatch = n;
        return l;
    }

    private IngestLimits copy() {
        IngestLimits l = new IngestLimits();
        l.maxRecordsPerBatch = maxRecordsPerBatch;
        l.maxStringLength = maxStringLength;
        l.maxAttributes = maxAttributes;
        l.maxArrayLength = maxArrayLength;
        l.maxBodyBytes = maxBodyBytes;
        l.maxNestingDepth = maxNestingDepth;
        return l;
    }
}
