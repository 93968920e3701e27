package io.cohort.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The last rule set that compiled and was applied (one row), kept for fallback at start. */
public final class RuleSetStore {
    private final Jdbi jdbi;
    private final ObjectMapper mapper;

    public RuleSetStore(Jdbi jdbi, ObjectMapper mapper) {
        this.jdbi = jdbi;
        this.mapper = mapper;
    }

    public void save(String version, Map<String, String> files, long appliedAt) {
        jdbi.useTransaction(h -> save(h, version, files, appliedAt));
    }

    /** Within the caller's transaction (cluster mode stores the files with the version it applies, atomically). */
    public void save(org.jdbi.v3.core.Handle h, String version, Map<String, String> files, long appliedAt) {
        String json;
        try {
            json = mapper.writeValueAsString(files);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        h.execute("DELETE FROM rule_set WHERE id = 1");
        h.execute("INSERT INTO rule_set (id, version, files, applied_at) VALUES (1, ?, ?, ?)", version, json, appliedAt);
    }

    public Optional<Map<String, String>> lastApplied() {
        return jdbi.withHandle(h -> h.createQuery("SELECT files FROM rule_set WHERE id = 1").mapTo(String.class).findOne())
                .map(json -> {
                    try {
                        return mapper.readValue(json, new TypeReference<Map<String, String>>() {});
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException("stored rule set is unreadable", e);
                    }
                });
    }
}
