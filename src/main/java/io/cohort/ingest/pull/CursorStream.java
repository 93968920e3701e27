package io.cohort.ingest.pull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link SyncStream} whose cursor is a small JSON object stored under its name. Steps run
 * under the stream's lock, which another stream takes to move this one's cursor (a finished
 * backfill rewinding the incremental sync).
 */
public abstract class CursorStream implements SyncStream {
    private static final ObjectMapper JSON = new ObjectMapper();

    protected final String sourceId;
    protected final CursorBook cursors;
    private final String name;
    private final Kind kind;
    private final StreamStatus status;
    private final ReentrantLock lock = new ReentrantLock();

    protected CursorStream(String sourceId, String name, Kind kind, CursorBook cursors) {
        this.sourceId = sourceId;
        this.name = name;
        this.kind = kind;
        this.cursors = cursors;
        this.status = new StreamStatus(name, kind);
    }

    @Override public final String name() { return name; }

    @Override public final Kind kind() { return kind; }

    @Override public final StreamStatus status() { return status; }

    @Override public final Step step() throws PullException, InterruptedException {
        lock.lockInterruptibly();
        try {
            return stepLocked(cursor());
        } finally {
            lock.unlock();
        }
    }

    /** One step from the stored cursor (empty object when there is none). */
    protected abstract Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException;

    /** Held while this stream's cursor is moved from elsewhere. */
    public ReentrantLock lock() { return lock; }

    /** The stored cursor, or an empty object. */
    public ObjectNode cursor() {
        return cursors.get(sourceId, name).map(CursorStream::parse).orElseGet(JSON::createObjectNode);
    }

    protected static ObjectNode newCursor() { return JSON.createObjectNode(); }

    protected static String text(ObjectNode cursor) { return cursor.toString(); }

    private static ObjectNode parse(String s) {
        try {
            return (ObjectNode) JSON.readTree(s);
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("stored cursor is unreadable: " + s, e);
        }
    }
}
