package io.cohort.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Where each pull connector stream stands (table {@code connector_cursor}): an opaque value per
 * (source, stream), written with the records it led to ({@link RecordStore#appendWithCursor}) or
 * alone when a page held nothing. All SQL of the table is here.
 */
public final class CursorStore implements io.cohort.ingest.pull.CursorBook {
    /** A stream's position and when it was written (epoch millis). */
    public record Cursor(String stream, String value, long updatedAt) {}

    private final Jdbi jdbi;

    public CursorStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Optional<String> get(String source, String stream) {
        return jdbi.withHandle(h -> h.createQuery("SELECT cursor_value FROM connector_cursor WHERE source = ? AND stream = ?")
                .bind(0, source).bind(1, stream).mapTo(String.class).findOne());
    }

    /** Every stream of a source, by stream name. */
    public Map<String, Cursor> all(String source) {
        Map<String, Cursor> out = new LinkedHashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT stream, cursor_value, updated_at FROM connector_cursor WHERE source = ? ORDER BY stream")
                .bind(0, source)
                .map((rs, ctx) -> new Cursor(rs.getString(1), rs.getString(2), rs.getLong(3)))
                .forEach(c -> out.put(c.stream(), c)));
        return out;
    }

    /** Writes cursors without records (a page that held nothing, a reset). */
    @Override
    public void save(String source, Map<String, String> cursors, long atMillis) {
        if (cursors.isEmpty()) return;
        jdbi.useTransaction(h -> write(h, source, cursors, atMillis));
    }

    /**
     * Like {@link #save}, with {@code guard} called first in the same transaction; when it throws,
     * nothing is written (cluster mode: a connector's cursor moves only under its lease).
     */
    public void save(String source, Map<String, String> cursors, long atMillis, java.util.function.Consumer<Handle> guard) {
        if (cursors.isEmpty()) return;
        jdbi.useTransaction(h -> {
            guard.accept(h);
            write(h, source, cursors, atMillis);
        });
    }

    /** Like {@link #delete}, guarded as {@link #save(String, Map, long, java.util.function.Consumer)} is. */
    public void delete(String source, String stream, java.util.function.Consumer<Handle> guard) {
        jdbi.useTransaction(h -> {
            guard.accept(h);
            h.execute("DELETE FROM connector_cursor WHERE source = ? AND stream = ?", source, stream);
        });
    }

    /** Forgets a stream's position: it starts over (a re-backfill). */
    @Override
    public void delete(String source, String stream) {
        jdbi.useHandle(h -> h.execute("DELETE FROM connector_cursor WHERE source = ? AND stream = ?", source, stream));
    }

    /** Within the caller's transaction; a null value deletes the stream's cursor. */
    static void write(Handle h, String source, Map<String, String> cursors, long atMillis) {
        PreparedBatch del = h.prepareBatch("DELETE FROM connector_cursor WHERE source = ? AND stream = ?");
        cursors.keySet().forEach(stream -> del.add(source, stream));
        del.execute();
        PreparedBatch ins = h.prepareBatch(
                "INSERT INTO connector_cursor (source, stream, cursor_value, updated_at) VALUES (?, ?, ?, ?)");
        int n = 0;
        for (var e : cursors.entrySet()) {
            if (e.getValue() == null) continue;
            ins.add(source, e.getKey(), e.getValue(), atMillis);
            n++;
        }
        if (n > 0) ins.execute();
    }
}
