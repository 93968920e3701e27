package io.cohort.ingest;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A source that only speaks the canonical record format ({@code type: generic}). */
@JsonTypeName("generic")
public class GenericSourceFactory implements SourceFactory {
    /** Optional: a watched directory of files in canonical format (docs/sources.md, "File drops"). */
    @com.fasterxml.jackson.annotation.JsonProperty("pull")
    @jakarta.validation.Valid
    private io.cohort.ingest.pull.filedrop.FileDropPull filePull;

    @Override
    public io.cohort.ingest.pull.PullSettings pull() { return filePull; }

    @Override
    public NativeMapper nativeMapper(String sourceId) {
        return new NativeMapper() {
            @Override public List<String> objects() { return List.of(); }

            @Override public List<ObjectNode> map(String object, JsonNode payload) throws NativeFormatException {
                throw new NativeFormatException("object", "source '" + sourceId
                        + "' is of type generic and has no native format; POST canonical records to /v1/sources/"
                        + sourceId + "/records");
            }
        };
    }
}
