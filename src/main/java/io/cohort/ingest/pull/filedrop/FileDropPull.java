package io.cohort.ingest.pull.filedrop;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.PullSettings;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;

/**
 * The {@code pull:} block of a source fed by files (systems without an API: an MDM's nightly
 * export, a data warehouse dump). Cohort watches {@code directory}; each file is processed once,
 * whole or not at all, and moved to {@code done/} or to {@code failed/} with a
 * {@code <name>.reason.txt} saying what is wrong and where.
 *
 * <pre>
 * mdm:
 *   type: mdm
 *   pull: {directory: /var/lib/cohort/drop/mdm}
 * </pre>
 *
 * Formats, by extension: {@code .ndjson}/{@code .jsonl} (canonical records, one a line),
 * {@code .json} ({"records": […]} canonical, else the source's native export, e.g. an MDM
 * crossReferences export), {@code .csv} (canonical fields as columns, {@code attributes.x} for attributes).
 */
public class FileDropPull extends PullSettings {
    @NotEmpty @JsonProperty private String directory;
    /** Where processed files go; default {@code <directory>/done}. */
    @JsonProperty private String doneDirectory;
    /** Where refused files go, each with a reason file; default {@code <directory>/failed}. */
    @JsonProperty private String failedDirectory;
    /** The native object of .json files that are not canonical; default: the source's only one, else the file name up to the first '.', '-' or '_'. */
    @JsonProperty private String object;
    /** The record type of CSV rows without a "type" column. */
    @JsonProperty private String recordType;
    /** A file modified more recently than this is still being written: left for the next poll. Better: write elsewhere, then rename into the directory. */
    @NotNull @JsonProperty private Duration settleTime = Duration.seconds(2);
    @Min(1) @JsonProperty private long maxFileBytes = 256L * 1024 * 1024;

    public FileDropPull() {
        setPollInterval(Duration.seconds(10));
    }

    @Override
    public Connector build(String sourceId, PullContext context) {
        return new FileDropConnector(sourceId, this, context);
    }

    @AssertTrue(message = "directory must be a path")
    public boolean isDirectoryValid() {
        try {
            return directory == null || Path.of(directory) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    Path dir() { return Path.of(directory); }

    Path done() { return doneDirectory == null ? dir().resolve("done") : Path.of(doneDirectory); }

    Path failed() { return failedDirectory == null ? dir().resolve("failed") : Path.of(failedDirectory); }

    java.time.Duration settle() { return java.time.Duration.ofMillis(settleTime.toMilliseconds()); }

    public String getDirectory() { return directory; }
    public void setDirectory(String v) { directory = v; }
    public String getDoneDirectory() { return doneDirectory; }
    public void setDoneDirectory(String v) { doneDirectory = v; }
    public String getFailedDirectory() { return failedDirectory; }
    public void setFailedDirectory(String v) { failedDirectory = v; }
    public String getObject() { return object; }
    public void setObject(String v) { object = v; }
    public String getRecordType() { return recordType; }
    public void setRecordType(String v) { recordType = v; }
    public Duration getSettleTime() { return settleTime; }
    public void setSettleTime(Duration v) { settleTime = v; }
    public long getMaxFileBytes() { return maxFileBytes; }
    public void setMaxFileBytes(long v) { maxFileBytes = v; }
}
