package io.cohort.api.resources;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord;
import io.cohort.pipeline.Pipeline;
import io.cohort.store.RecordStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One stored source record, as its source last stated it. Read-only: lets a source (or an
 * operator) check that an acknowledged write is there, e.g. after a crash. Either by key
 * ({@code …/records/person/003-P1}; a relation's key is its key fields joined by '|' with '\' and
 * '|' escaped by '\', URL-encoded: {@code accountPerson/001-T1%7C003-P1}, see
 * {@link io.cohort.record.RecordKey}), or by its key fields as query parameters, no escaping
 * needed: {@code …/records/accountPerson?accountId=001-T1&personId=003-P1}.
 */
@Path("/v1/sources/{sourceId}/records/{type}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.OPERATOR})
public class RecordResource {
    private final Pipeline pipeline;
    private final RecordStore store;

    /** The answer: the record and where it is stored; {@code keyFields} names a relation's key parts. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StoredRecordView(String source, String type, String key, Map<String, String> keyFields, long batch,
                                   SourceRecord record) {}

    public RecordResource(Pipeline pipeline, RecordStore store) {
        this.pipeline = pipeline;
        this.store = store;
    }

    @GET
    @Path("{key: .+}")
    public StoredRecordView byKey(@PathParam("sourceId") String sourceId, @PathParam("type") String type,
                                  @PathParam("key") String key) {
        RecordType t = recordType(sourceId, type);
        List<String> values = t.keyValues(key).orElseThrow(() -> ApiException.badRequest("'" + abbreviate(key)
                + "' is not a key of " + type + ": its key is " + String.join("|", t.keyFields())
                + ", each part with '\\' and '|' escaped by '\\' (or give them as query parameters: "
                + String.join("&", t.keyFields().stream().map(f -> f + "=…").toList()) + ")"));
        return find(sourceId, t, values);
    }

    @GET
    public StoredRecordView byKeyFields(@PathParam("sourceId") String sourceId, @PathParam("type") String type,
                                        @Context UriInfo uri) {
        RecordType t = recordType(sourceId, type);
        var query = uri.getQueryParameters();
        List<String> unknown = query.keySet().stream().filter(p -> !t.keyFields().contains(p)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("unknown query parameter " + unknown + "; the key fields of " + type
                    + " are " + t.keyFields());
        }
        List<String> values = new ArrayList<>();
        for (String f : t.keyFields()) {
            List<String> v = query.get(f);
            if (v == null || v.size() != 1 || v.get(0).isEmpty()) {
                throw ApiException.badRequest("query parameter '" + f + "' is required once; the key fields of "
                        + type + " are " + t.keyFields());
            }
            values.add(v.get(0));
        }
        return find(sourceId, t, values);
    }

    private RecordType recordType(String sourceId, String type) {
        if (pipeline.source(sourceId).isEmpty()) {
            throw ApiException.notFound("unknown source '" + sourceId + "'; configured sources: "
                    + String.join(", ", new TreeSet<>(pipeline.sources().keySet())));
        }
        return RecordType.fromWire(type).orElseThrow(() -> ApiException.notFound(
                "unknown record type '" + type + "'; expected one of " + RecordType.wireNames()));
    }

    private StoredRecordView find(String sourceId, RecordType t, List<String> asAsked) {
        // No stored id holds NUL (ingestion refuses it), and PostgreSQL cannot even compare one:
        // "?id=%00" failed the query there, answered 500 (with the value in the log).
        for (int i = 0; i < asAsked.size(); i++) {
            if (asAsked.get(i).indexOf('\u0000') >= 0) {
                throw ApiException.badRequest("key field '" + t.keyFields().get(i) + "' holds the NUL character (U+0000), which no "
                        + "record's id may hold");
            }
        }
        // Stored in the source's one form of an id (a Salesforce id asked for by its 15 characters is found).
        var form = pipeline.source(sourceId).flatMap(io.cohort.ingest.SourceFactory::canonicalId);
        List<String> values = form.map(f -> asAsked.stream().map(f).toList()).orElse(asAsked);
        String key = t.key(values);
        var r = store.find(sourceId, t.wireName(), key).orElseThrow(() -> ApiException.notFound(
                "no " + t.wireName() + " '" + abbreviate(key) + "' stored for source '" + sourceId + "'"));
        Map<String, String> fields = null;
        if (values.size() > 1) {
            fields = new LinkedHashMap<>();
            for (int i = 0; i < values.size(); i++) fields.put(t.keyFields().get(i), values.get(i));
        }
        return new StoredRecordView(r.source(), t.wireName(), key, fields, r.batchSeq(), r.record());
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 297) + "...";
    }
}
