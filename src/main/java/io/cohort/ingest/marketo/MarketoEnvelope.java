package io.cohort.ingest.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeJson;
import io.cohort.record.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * The envelope every Marketo REST response shares: {"requestId", "success", "errors",
 * "result", "nextPageToken", "moreResult", "warnings"}.
 */
final class MarketoEnvelope {

    private MarketoEnvelope() {}

    /**
     * The "result" items of a successful response.
     *
     * @throws NativeFormatException for success:false (naming Marketo's error codes), a body that
     *                               is not a Marketo response, or result items that are not objects
     */
    static List<JsonNode> results(JsonNode payload) throws NativeFormatException {
        if (payload == null || !payload.isObject()) {
            throw new NativeFormatException("", "a Marketo REST response is a JSON object, got " + NativeJson.kind(payload));
        }
        JsonNode success = payload.get("success");
        if (success == null || !success.isBoolean()) {
            throw new NativeFormatException("success", "not a Marketo REST response: expected \"success\": true or false");
        }
        if (!success.booleanValue()) throw failure(payload);
        JsonNode result = payload.get("result");
        if (result == null || result.isNull()) {
            // Get Lead Activities answers a page without activities with no "result" at all,
            // only a nextPageToken; anything else without a result is not a read response.
            if (payload.has("nextPageToken")) return List.of();
            throw new NativeFormatException("result", "missing: a successful Marketo read response carries a \"result\" array");
        }
        if (!result.isArray()) {
            throw new NativeFormatException("result", "\"result\" must be an array, got " + NativeJson.kind(result));
        }
        List<JsonNode> items = new ArrayList<>(result.size());
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < result.size(); i++) {
            JsonNode item = result.get(i);
            if (item.isObject()) items.add(item);
            else errors.add(new FieldError(i, "result[" + i + "]", "result item must be an object, got " + NativeJson.kind(item)));
        }
        if (!errors.isEmpty()) throw new NativeFormatException(errors);
        return items;
    }

    /** One field error per Marketo error, e.g. "Marketo error 601: Access token invalid". */
    private static NativeFormatException failure(JsonNode payload) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode list = payload.path("errors");
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            errors.add(new FieldError(-1, "errors[" + i + "]", "Marketo answered success:false, error "
                    + e.path("code").asText("?") + ": " + e.path("message").asText("(no message)")));
        }
        if (errors.isEmpty()) {
            errors.add(new FieldError(-1, "success", "Marketo answered success:false without errors"));
        }
        return new NativeFormatException(errors);
    }
}
