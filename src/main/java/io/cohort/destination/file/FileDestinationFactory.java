package io.cohort.destination.file;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.DestinationFactory;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.util.List;

/**
 * {@code type: file} — audience files in a directory, for tools that pick up files.
 * <ul>
 *   <li>{@code directory}: where files go (created if missing);</li>
 *   <li>{@code formats} ([csv, jsonl]): snapshot formats; per activation {@code <id>.csv} /
 *       {@code <id>.jsonl} hold the current members and are replaced atomically, and each batch
 *       also writes {@code <id>-<firstSeq>-<lastSeq>.jsonl} with its changes;</li>
 *   <li>{@code batchSize} (1000).</li>
 * </ul>
 * The members are kept in {@code <id>.state.json} so snapshots survive restarts.
 */
@JsonTypeName("file")
public class FileDestinationFactory implements DestinationFactory {
    /** Snapshot file formats. */
    public enum Format { CSV, JSONL }

    @NotEmpty private String directory;
    @NotEmpty private List<Format> formats = List.of(Format.CSV, Format.JSONL);
    @Min(1) private int batchSize = 1000;

    @Override
    public Destination build(String destinationId, DestinationContext context) {
        return new FileDestination(this, context);
    }

    @JsonProperty public String getDirectory() { return directory; }
    @JsonProperty public void setDirectory(String v) { directory = v; }
    @JsonProperty public List<Format> getFormats() { return formats; }
    @JsonProperty public void setFormats(List<Format> v) { formats = v; }
    @JsonProperty public int getBatchSize() { return batchSize; }
    @JsonProperty public void setBatchSize(int v) { batchSize = v; }
}
