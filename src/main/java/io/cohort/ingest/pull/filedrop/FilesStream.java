package io.cohort.ingest.pull.filedrop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.PullException;
import io.cohort.record.FieldError;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code files}: the oldest-named file of the directory first, one file a step. A file is read,
 * every record validated, then stored in batches; the cursor says which file (by SHA-256) and
 * how many batches are stored, written with each batch, and with the last one a permanent
 * {@code file:<sha256>} entry. So a crash mid-file resumes after the last stored batch, a crash
 * between storing and moving the file only moves it, and the same content dropped again is not
 * stored twice. A file with any bad record is refused whole, like a pushed batch.
 */
final class FilesStream extends CursorStream {
    private static final Logger LOG = LoggerFactory.getLogger(FilesStream.class);

    private final FileDropPull config;
    private final PullContext ctx;

    FilesStream(String sourceId, FileDropPull config, PullContext ctx) {
        super(sourceId, "files", Kind.INCREMENTAL, ctx.cursors());
        this.config = config;
        this.ctx = ctx;
    }

    @Override
    protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
        Path file;
        try {
            Files.createDirectories(config.done());
            Files.createDirectories(config.failed());
            file = next();
        } catch (IOException e) {
            throw new PullException.Fatal("drop directory " + config.dir() + ": " + e, e);
        }
        if (file == null) {
            status().currentTo(ctx.clock().instant());
            return Step.CAUGHT_UP;
        }
        String name = file.getFileName().toString();
        byte[] bytes;
        try {
            if (Files.size(file) > config.getMaxFileBytes()) {
                fail(file, "the file has " + Files.size(file) + " bytes, more than pull.maxFileBytes (" + config.getMaxFileBytes() + ")");
                return Step.MORE;
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PullException.Transient("cannot read " + file + ": " + e, null, e);
        }
        String sha = sha256(bytes);
        var earlier = cursors.get(sourceId, "file:" + sha);
        if (earlier.isPresent()) {
            LOG.info("source {}: {} has the content of a file already processed ({}); not stored again", sourceId, name, earlier.get());
            move(file, config.done());
            return Step.MORE;
        }
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            fail(file, "not UTF-8 text");
            return Step.MORE;
        }
        List<JsonNode> records;
        try {
            records = FileFormats.records(name, content, config, ctx.mapper());
            validate(records);
        } catch (FileFormats.Unreadable e) {
            fail(file, e.getMessage());
            return Step.MORE;
        }
        int batch = ctx.maxBatch();
        int batches = Math.max(1, (records.size() + batch - 1) / batch);
        int done = sha.equals(cursor.path("sha256").asText()) ? cursor.path("batchesDone").asInt(0) : 0;
        if (done > 0) LOG.info("source {}: resuming {} after batch {} of {}", sourceId, name, done, batches);
        for (int b = done; b < batches; b++) {
            List<JsonNode> part = records.subList(b * batch, Math.min(records.size(), (b + 1) * batch));
            ObjectNode next = newCursor();
            next.put("file", name).put("sha256", sha).put("batchesDone", b + 1);
            Map<String, String> cursorUpdate = new LinkedHashMap<>();
            cursorUpdate.put(name(), text(next));
            if (b == batches - 1) {
                cursorUpdate.put("file:" + sha, text(newCursor().put("file", name).put("records", records.size())
                        .put("at", ctx.clock().instant().toString())));
            }
            if (part.isEmpty()) ctx.cursors().save(sourceId, cursorUpdate, ctx.clock().millis());
            else {
                ctx.writer().write(sourceId, part, cursorUpdate);
                status().fetched(part.size());
            }
        }
        move(file, config.done());
        LOG.info("source {}: {} processed, {} records", sourceId, name, records.size());
        return Step.MORE;
    }

    /** The first file by name that is complete: not hidden, not a temp file, not modified within settleTime. */
    private Path next() throws IOException {
        Instant settled = ctx.clock().instant().minus(config.settle());
        try (Stream<Path> s = Files.list(config.dir())) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return !n.startsWith(".") && !n.endsWith(".tmp") && !n.endsWith(".part") && !n.endsWith(".reason.txt");
                    })
                    .filter(p -> {
                        try {
                            return Files.getLastModifiedTime(p).toInstant().isBefore(settled);
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .sorted().findFirst().orElse(null);
        }
    }

    /** Every record of the file valid, or the reasons with line numbers (records count from 1). */
    private void validate(List<JsonNode> records) throws FileFormats.Unreadable {
        StringBuilder why = new StringBuilder();
        int batch = ctx.maxBatch();
        for (int from = 0; from < records.size(); from += batch) {
            List<JsonNode> part = records.subList(from, Math.min(records.size(), from + batch)).stream().map(n -> (JsonNode) n.deepCopy()).toList();
            try {
                ctx.parser().parse(sourceId, part);
            } catch (InvalidBatchException e) {
                for (FieldError fe : e.errors()) {
                    if (why.length() > 4000) break;
                    why.append("record ").append(from + fe.index() + 1).append(", ").append(fe.field().isEmpty() ? "(record)" : fe.field())
                            .append(": ").append(fe.message()).append('\n');
                }
            }
        }
        if (!why.isEmpty()) throw new FileFormats.Unreadable("invalid records (nothing of this file was stored):\n" + why);
    }

    private void fail(Path file, String reason) throws PullException {
        Path target = move(file, config.failed());
        // Counted before the reason file appears: whoever sees the file in failed/ sees it in the sync status too.
        status().rejected(1, file.getFileName() + ": " + reason.split("\n", 2)[0]);
        Path reasonFile = target.resolveSibling(target.getFileName() + ".reason.txt");
        Path tmp = target.resolveSibling(target.getFileName() + ".reason.txt.tmp");
        try {
            // Whole or not at all: an operator's script (or a test) that sees the file reads all of it.
            Files.writeString(tmp, "source " + sourceId + ", " + ctx.clock().instant() + "\n" + reason + "\n");
            Files.move(tmp, reasonFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PullException.Transient("cannot write the reason file for " + file + ": " + e, null, e);
        }
        LOG.warn("source {}: refused {}: {}", sourceId, file.getFileName(), reason);
    }

    private Path move(Path file, Path dir) throws PullException {
        Path target = dir.resolve(file.getFileName());
        if (Files.exists(target)) target = dir.resolve(ctx.clock().millis() + "-" + file.getFileName());
        try {
            return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                return Files.move(file, target);
            } catch (IOException e2) {
                throw new PullException.Transient("cannot move " + file + " to " + dir + ": " + e2, null, e2);
            }
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
