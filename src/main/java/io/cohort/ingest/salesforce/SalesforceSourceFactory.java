package io.cohort.ingest.salesforce;

import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.SourceFactory;

/**
 * A Salesforce org ({@code type: salesforce}). Accepts REST API SOQL query results
 * (GET /services/data/vXX.X/query or queryAll) as object "query"; each record's
 * attributes.type picks the mapping. See docs/sources.md.
 */
@JsonTypeName("salesforce")
public class SalesforceSourceFactory implements SourceFactory {
    /** Optional: Cohort reads the org through its REST API (docs/sources.md, "Pulling from Salesforce"). */
    @com.fasterxml.jackson.annotation.JsonProperty
    @jakarta.validation.Valid
    private io.cohort.ingest.pull.salesforce.SalesforcePull pull;

    @Override
    public io.cohort.ingest.pull.PullSettings pull() { return pull; }

    /** 15- and 18-character ids of one record are one id ({@link SalesforceIds}). */
    @Override
    public java.util.Optional<java.util.function.UnaryOperator<String>> canonicalId() {
        return java.util.Optional.of(SalesforceIds::canonical);
    }

    @Override
    public NativeMapper nativeMapper(String sourceId) {
        return new SalesforceMapper(sourceId);
    }
}
