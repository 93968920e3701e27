package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The reject file of {@code import}: one JSON object a line for each record (or unreadable
 * line, or unusable file) that was not stored —
 * {@code {"file","line","index","source","reason","record"}} with the record as it was read
 * ({@code "raw"} text instead when it was not JSON). Created on the first reject only.
 */
final class Rejects implements AutoCloseable {
    private final Path path;
    private final ObjectMapper mapper;
    private BufferedWriter out;
    private long count;

    Rejects(Path path, ObjectMapper mapper) {
        this.path = path;
        this.mapper = mapper;
    }

    Path path() { return path; }

    long count() { return count; }

    /**
     * @param line   1-based line in the file, 0 when unknown
     * @param index  0-based record index in the file (as in API errors), -1 for the whole file
     * @param record the record as read, or null
     * @param raw    the text of a line that was not JSON, or null
     */
    void add(Path file, int line, int index, String source, String reason, JsonNode record, String raw) throws IOException {
        if (out == null) {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        }
        ObjectNode o = mapper.createObjectNode();
        o.put("file", file.toString());
        o.put("line", line);
        o.put("index", index);
        o.put("source", source);
        o.put("reason", reason);
        if (record != null) o.set("record", record);
        if (raw != null) o.put("raw", raw);
        out.write(mapper.writeValueAsString(o));
        out.write('\n');
        count++;
    }

    @Override
    public void close() throws IOException {
        if (out != null) out.close();
    }
}
