package io.cohort.record;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DatabindContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.jsontype.impl.TypeIdResolverBase;

/**
 * The JSON "type" of a {@link SourceRecord} is its {@link RecordType#wireName()}, read from the
 * enum instead of a second list of subtype names in annotations.
 */
final class RecordTypeIds extends TypeIdResolverBase {

    @Override public String idFromValue(Object value) { return ((SourceRecord) value).type().wireName(); }

    @Override public String idFromValueAndType(Object value, Class<?> suggestedType) {
        if (value != null) return idFromValue(value);
        return RecordType.of(suggestedType).map(RecordType::wireName).orElse(null);
    }

    /** Null for an unknown name: Jackson then fails with its "could not resolve type id" and {@link #getDescForKnownTypeIds}. */
    @Override public JavaType typeFromId(DatabindContext context, String id) {
        return RecordType.fromWire(id).map(t -> context.constructType(t.recordClass())).orElse(null);
    }

    @Override public String getDescForKnownTypeIds() { return RecordType.wireNames(); }

    @Override public JsonTypeInfo.Id getMechanism() { return JsonTypeInfo.Id.CUSTOM; }
}
