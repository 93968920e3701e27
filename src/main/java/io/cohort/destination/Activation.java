package io.cohort.destination;

import java.util.Map;

/**
 * A segment bound to a destination (config key {@code activations[]}), with the destination's
 * parameters, e.g. {@code listId} for Marketo, {@code adAccount} and {@code segmentName} for
 * LinkedIn, {@code url} for a webhook, {@code directory} for files.
 */
public record Activation(String id, String segmentId, String destinationId, Map<String, String> params) {
    public String param(String name) { return params.get(name); }
}
