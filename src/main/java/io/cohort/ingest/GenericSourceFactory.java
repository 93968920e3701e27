package io.cohort.ingest;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A source that only speaks the canonical record format ({@code type: generic}). */
@JsonTypeName("generic")
public class GenericSourceFactory implements SourceFactory {
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
