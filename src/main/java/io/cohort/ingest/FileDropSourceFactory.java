package io.cohort.ingest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.ingest.pull.PullSettings;
import io.cohort.ingest.pull.filedrop.FileDropPull;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/**
 * A source fed by files in canonical format ({@code type: filedrop}): like {@code generic}, with
 * a required {@code pull:} block naming the watched directory. See docs/sources.md.
 */
@JsonTypeName("filedrop")
public class FileDropSourceFactory implements SourceFactory {
    @Valid @NotNull @JsonProperty private FileDropPull pull;

    @Override public PullSettings pull() { return pull; }

    @Override public NativeMapper nativeMapper(String sourceId) { return new GenericSourceFactory().nativeMapper(sourceId); }
}
