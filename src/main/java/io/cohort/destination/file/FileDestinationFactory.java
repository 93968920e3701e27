package io.cohort.destination.file;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.DestinationFactory;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.List;

/**
 * {@code type: file} — audience files in a directory, for tools that pick up files.
 * <ul>
 *   <li>{@code directory}: where files go (created if missing);</li>
 *   <li>{@code formats} ([csv, jsonl]): snapshot formats; per activation {@code <id>.csv} /
 *       {@code <id>.jsonl} hold the current members and are replaced atomically, and each batch
 *       also writes {@code <id>-<firstSeq>-<lastSeq>.jsonl} with its changes;</li>
 *   <li>{@code fileMode} ({@code "0644"}): POSIX permissions of every file written, as an octal
 *       string; {@code "0600"} keeps audiences readable by the service's user only;</li>
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
    @NotNull @Pattern(regexp = "0?[0-7]{3}", message = "must be an octal mode such as \"0644\"") private String fileMode = "0644";

    /** "0644" → rw-r--r--. */
    static Set<PosixFilePermission> permissions(String octal) {
        int m = Integer.parseInt(octal, 8);
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) if ((m & (1 << bit)) != 0) out.add(order[bit]);
        return out;
    }

    @Override
    public Destination build(String destinationId, DestinationContext context) {
        return new FileDestination(this, context);
    }

    @JsonProperty public String getDirectory() { return directory; }
    @JsonProperty public void setDirectory(String v) { directory = v; }
    @JsonProperty public List<Format> getFormats() { return formats; }
    @JsonProperty public void setFormats(List<Format> v) { formats = v; }
    @JsonProperty public String getFileMode() { return fileMode; }
    @JsonProperty public void setFileMode(String v) { fileMode = v; }
    @JsonProperty public int getBatchSize() { return batchSize; }
    @JsonProperty public void setBatchSize(int v) { batchSize = v; }
}
