package io.cohort.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord;
import io.dropwizard.jackson.Jackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads native fixtures and runs mapper output through the real {@link RecordParser}. */
public final class NativeTestSupport {

    public static final ObjectMapper JSON = Jackson.newObjectMapper();

    private NativeTestSupport() {}

    /** A classpath fixture under src/test/resources/native/. */
    public static JsonNode fixture(String path) {
        try (InputStream in = NativeTestSupport.class.getResourceAsStream("/native/" + path)) {
            if (in == null) throw new IllegalArgumentException("no fixture native/" + path);
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode file(Path path) {
        try {
            return JSON.readTree(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Validates like the native endpoint will: mapper output through the canonical parser. */
    public static List<RecordChange> changes(List<ObjectNode> mapped) {
        return new RecordParser(new IngestLimits()).parse(new ArrayList<JsonNode>(mapped));
    }

    /** The upserted records; fails when the batch holds deletes. */
    public static List<SourceRecord> records(List<ObjectNode> mapped) {
        return changes(mapped).stream().map(c -> ((RecordChange.Upsert) c).record()).toList();
    }

    public static <T extends SourceRecord> List<T> ofType(List<SourceRecord> records, Class<T> type) {
        return records.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public static <T extends SourceRecord> T only(List<SourceRecord> records, Class<T> type) {
        List<T> found = ofType(records, type);
        if (found.size() != 1) throw new AssertionError("expected one " + type.getSimpleName() + ", got " + found);
        return found.get(0);
    }
}
