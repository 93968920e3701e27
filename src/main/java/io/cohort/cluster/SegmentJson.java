package io.cohort.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import java.util.TreeSet;

/** A set of segment ids as a JSON array in a text column (cluster_rule_work, cluster_sweep). */
final class SegmentJson {
    private static final TypeReference<TreeSet<String>> SEGMENTS = new TypeReference<>() {};

    private SegmentJson() {}

    static String write(ObjectMapper mapper, Set<String> segments) {
        try {
            return mapper.writeValueAsString(segments);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a set of strings always serialises
        }
    }

    /**
     * The segments a column holds; empty (every segment) when it does not read: only Cohort writes
     * these columns, so unreadable means damaged, and every segment is always enough.
     */
    static Set<String> read(ObjectMapper mapper, String json) {
        try {
            return mapper.readValue(json, SEGMENTS);
        } catch (JsonProcessingException e) {
            return Set.of();
        }
    }
}
