package io.cohort.ingest;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.dropwizard.jackson.Discoverable;

/**
 * A configured source (config key {@code sources.<id>}), chosen by {@code type:}
 * (marketo | salesforce | mdm | generic). Implementations are listed in
 * META-INF/services/io.cohort.ingest.SourceFactory.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface SourceFactory extends Discoverable {

    /** The mapper for the source's native export shape, for {@code POST …/native/{object}}. */
    NativeMapper nativeMapper(String sourceId);

    /** The source's {@code pull:} block when Cohort fetches its data itself, else null (push only). */
    default io.cohort.ingest.pull.PullSettings pull() { return null; }

    /**
     * The one form of an id of this source's records, for sources whose systems write one id in
     * several forms; applied to its records' ids and to other sources' references to them
     * ({@link SourceIds}). Empty (ids as sent) by default.
     */
    default java.util.Optional<java.util.function.UnaryOperator<String>> canonicalId() { return java.util.Optional.empty(); }
}
