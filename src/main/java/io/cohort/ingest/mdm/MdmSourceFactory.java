package io.cohort.ingest.mdm;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.SourceFactory;
import jakarta.validation.constraints.NotNull;
import java.util.Map;

/**
 * A master-data-management system's golden-record cross-references ({@code type: mdm}): which
 * accounts of which sources are one company. Object "crossReferences"; see docs/sources.md.
 *
 * <pre>
 * sources:
 *   mdm:
 *     type: mdm
 *     systems:            # optional: MDM system name → Cohort source id
 *       SFDC_LINE1: crm-1
 * </pre>
 */
@JsonTypeName("mdm")
public class MdmSourceFactory implements SourceFactory {

    /**
     * MDM systems named differently from the Cohort source that holds their records. A member
     * whose system is not listed is taken to name a source id as-is.
     */
    @JsonProperty
    @NotNull
    private Map<String, String> systems = Map.of();

    /** Optional: a watched directory the MDM exports into (docs/sources.md, "File drops"). */
    @JsonProperty
    @jakarta.validation.Valid
    private io.cohort.ingest.pull.filedrop.FileDropPull pull;

    public MdmSourceFactory() {}

    public MdmSourceFactory(Map<String, String> systems) {
        this.systems = Map.copyOf(systems);
    }

    public Map<String, String> getSystems() { return systems; }

    @Override
    public io.cohort.ingest.pull.PullSettings pull() { return pull; }

    @Override
    public NativeMapper nativeMapper(String sourceId) {
        return new MdmMapper(sourceId, systems);
    }
}
