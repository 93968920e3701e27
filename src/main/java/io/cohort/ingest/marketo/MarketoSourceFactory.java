package io.cohort.ingest.marketo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.SourceFactory;
import jakarta.validation.constraints.Pattern;

/**
 * A Marketo Engage instance ({@code type: marketo}). Accepts Marketo REST API responses as they
 * come back from the instance; see docs/sources.md for the objects and field mappings.
 *
 * <pre>
 * sources:
 *   marketo-1:
 *     type: marketo
 *     crmSource: crm-1     # optional: the CRM source synced into this instance
 * </pre>
 */
@JsonTypeName("marketo")
public class MarketoSourceFactory implements SourceFactory {

    /**
     * The id of the CRM source whose accounts and opportunities this instance holds sync copies
     * of. When set, companies and opportunities carrying an externalCompanyId /
     * externalOpportunityId are marked {@code sameAs} that CRM record, so a synced copy is never
     * counted twice. Leave unset for a Marketo instance without CRM sync.
     */
    @JsonProperty
    @Pattern(regexp = "\\S+", message = "must be a source id without blanks")
    private String crmSource;

    /** Optional: Cohort reads the instance through its REST API (docs/sources.md, "Pulling from Marketo"). */
    @JsonProperty
    @jakarta.validation.Valid
    private io.cohort.ingest.pull.marketo.MarketoPull pull;

    public MarketoSourceFactory() {}

    public MarketoSourceFactory(String crmSource) {
        this.crmSource = crmSource;
    }

    public String getCrmSource() { return crmSource; }

    @Override
    public io.cohort.ingest.pull.PullSettings pull() { return pull; }

    @Override
    public NativeMapper nativeMapper(String sourceId) {
        return new MarketoMapper(sourceId, crmSource);
    }
}
