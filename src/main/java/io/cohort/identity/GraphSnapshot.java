package io.cohort.identity;

import io.cohort.model.EventSeries;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import io.cohort.record.Values;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A compact binary image of the profile graph, so that a restart decodes no JSON and reads no
 * database rows: written at a clean shutdown, read at the next start. It is a cache of the store,
 * never the truth: it is used when it says it was written at the store's last batch
 * ({@link Stamp}), by this version's record declarations, or at an earlier batch of the same store
 * that the store still has as it was (a crash, an import while down): then the start applies what
 * the store changed since (ops.SnapshotStart). Otherwise (another store, a restored backup, a
 * newer version) the start loads from the store as it always did.
 *
 * <p>Contents: a header (format, record declarations, stamp, event horizon, the event key, the sizes of the
 * index's maps, so a read never grows one); the records section: every current
 * non-event record with its source and batch, in batch order (applied through the same code as
 * ingestion, so the indexes are rebuilt, not trusted), then the order in which a full evaluation
 * visits everyone (taken only when it holds exactly the people read); the events section: each person's events as
 * columns (64-bit id hash, time, shared type/URL/attribute values); a fixed-size trailer with both
 * sections' offsets, CRC-32C checksums and counts. The two sections share no strings, so a read
 * decodes them on two threads at once (they fill disjoint indexes), and a damaged byte anywhere
 * is caught by a checksum instead of being read as other data.
 */
public final class GraphSnapshot {
    private static final long MAGIC = 0x434f484f52544731L; // "COHORTG1"
    /**
     * Format 6's layout with the graph's event key after the event horizon. Files of formats 3–5
     * are not read: they were written by versions that held relation records of two types with the
     * same key fields in one source (account 1's contact 7 and campaign 1's member 7) as one,
     * keeping only the later, so such a file may lack records the store has. Format 6 held event
     * ids hashed without a key, which a crafted id could collide with ({@link EventSeries#idHash}).
     * The first start after the upgrade loads from the store once. Format 8 is format 7's layout
     * written by a version that records removed records (store.RemovedRecords) with every delete:
     * only such a snapshot may be caught up with what the store changed since (both are read when
     * they match the store exactly).
     */
    private static final int FORMAT = 8;
    private static final int SAME_LAYOUT = 7;
    private static final long END = 0x454e44454e44454eL;
    /** recordsAt, eventsAt, CRC of header and records, CRC of events, records, events, END. */
    private static final int TRAILER = 7 * Long.BYTES;

    private static boolean readable(int format) { return format == FORMAT || format == SAME_LAYOUT; }

    private GraphSnapshot() {}

    /** What the snapshot is a copy of: which store, its last batch and when that batch was received. */
    public record Stamp(String store, long lastBatch, long lastBatchAt) {}

    /**
     * A snapshot file as found on disk: its stamp, size and modification time. A stop compares the
     * one its start read with the file and the store as they are then: when nothing changed, the
     * file is kept instead of written again (13–19 s at 1M profiles for an identical file).
     */
    public record OnDisk(Stamp stamp, long size, java.nio.file.attribute.FileTime modified, int format) {
        /** The file's current state, empty when it is missing or not a snapshot this version reads. */
        public static Optional<OnDisk> of(Path file) {
            Optional<Map.Entry<Integer, Stamp>> h = GraphSnapshot.header(file);
            if (h.isEmpty()) return Optional.empty();
            try {
                return Optional.of(new OnDisk(h.get().getValue(), Files.size(file), Files.getLastModifiedTime(file), h.get().getKey()));
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        /**
         * Whether every removal since it was written was recorded (its writer recorded them), so
         * that it may be read although the store has moved on, and caught up.
         */
        public boolean continuable() { return format == FORMAT; }

        /**
         * True when {@code file} is still this one, holds the graph at {@code current} and is in
         * this version's format.
         */
        public boolean stillHolds(Path file, Stamp current) {
            return format == FORMAT && stamp.equals(current) && of(file).filter(this::equals).isPresent();
        }
    }

    /** What {@link #removeLeftovers} deleted. */
    public record Leftovers(int files, long bytes) {}

    /**
     * Deletes what writes of {@code file} left behind when the process died during one (a kill or
     * an out-of-memory error during a checkpoint): the temporary files beside it that start with
     * its name and end in ".tmp". A large graph's are hundreds of MB each, and a process that keeps
     * dying would otherwise fill the disk. Call at start, before anything writes the file; a file
     * that cannot be deleted is left (logged by the caller through the count).
     */
    public static Leftovers removeLeftovers(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        String name = file.getFileName().toString();
        int files = 0;
        long bytes = 0;
        try (var found = Files.newDirectoryStream(dir, f -> {
            String n = f.getFileName().toString();
            return n.length() > name.length() && n.startsWith(name) && n.endsWith(".tmp")
                    && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        })) {
            for (Path f : found) {
                try {
                    long size = Files.size(f);
                    if (Files.deleteIfExists(f)) {
                        files++;
                        bytes += size;
                    }
                } catch (IOException e) {
                    // Left for the next start; the write that needs the space fails loudly.
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // No directory yet (a first start), or not listable: nothing this process left.
        }
        return new Leftovers(files, bytes);
    }

    /** Figures of a write or a read, for the log. */
    public record Figures(long records, long events, long bytes, long millis) {}

    /** Writes the graph atomically (temporary file, fsync, rename). Callers hold ingestion still. */
    public static Figures write(ProfileGraph graph, Path file, Stamp stamp) throws IOException {
        try (Encoded encoded = encode(graph, file, stamp)) {
            return encoded.commit();
        }
    }

    /**
     * A snapshot encoded into a temporary file beside its place, not yet durable nor in place: the
     * graph may change again meanwhile ({@link #encode}). {@link #commit} makes it the snapshot;
     * closing it uncommitted deletes the temporary file.
     */
    public static final class Encoded implements AutoCloseable {
        private final Path tmp;
        private final Path file;
        private final long records;
        private final long events;
        private final long started;
        private final long encodedMillis;
        private boolean committed;

        private Encoded(Path tmp, Path file, long records, long events, long started) {
            this.tmp = tmp;
            this.file = file;
            this.records = records;
            this.events = events;
            this.started = started;
            this.encodedMillis = (System.nanoTime() - started) / 1_000_000;
        }

        /** How long the encoding took: the time its caller held the graph still (at most the commit's figure, which counts from the same start). */
        public long encodedMillis() { return encodedMillis; }

        /** Flushes the file to disk and moves it in place of the previous snapshot, atomically. */
        public Figures commit() throws IOException {
            // fsync is of the file, whichever descriptor asks: the encoding's was closed already.
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
            return new Figures(records, events, Files.size(file), (System.nanoTime() - started) / 1_000_000);
        }

        @Override public void close() throws IOException {
            if (!committed) Files.deleteIfExists(tmp);
        }
    }

    /**
     * Encodes the graph into a temporary file beside {@code file}: the part of a write that needs
     * the graph still. Callers hold ingestion still until this returns, then
     * {@link Encoded#commit} (fsync and rename, seconds for a large graph) while it runs again.
     */
    public static Encoded encode(ProfileGraph graph, Path file, Stamp stamp) throws IOException {
        long started = System.nanoTime();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        // The events section is encoded beside the records, into a file of its own, then appended.
        Path eventsTmp = Files.createTempFile(dir, file.getFileName().toString(), ".events.tmp");
        boolean done = false;
        try {
            long[] counts = new long[2];
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                SnapshotIo.SectionOutput section = new SnapshotIo.SectionOutput(Channels.newOutputStream(ch));
                DataOutputStream data = new DataOutputStream(section);
                RecordCodec codec = new RecordCodec();
                data.writeLong(MAGIC);
                data.writeInt(FORMAT);
                data.writeUTF(schema(codec));
                data.writeUTF(stamp.store());
                data.writeLong(stamp.lastBatch());
                data.writeLong(stamp.lastBatchAt());
                long[] at = new long[2];
                long[] crc = new long[2];
                graph.readIndex(ix -> {
                    // Both threads read the index under this thread's read lock: it stays held until the other is done.
                    FutureTask<EventsWritten> events = new FutureTask<>(() -> writeEventsSection(eventsTmp, ix));
                    Thread thread = new Thread(events, "cohort-snapshot-write-events");
                    thread.setDaemon(true);
                    thread.start();
                    try {
                        data.writeLong(ix.eventHorizonMillis);
                        data.writeLong(ix.eventKey[0]);
                        data.writeLong(ix.eventKey[1]);
                        for (int v : ix.sizes().values()) data.writeInt(v);
                        // The first checksum covers the header too (its event horizon decides what is kept).
                        at[0] = section.position();
                        // Every record's id is shared: sized for them at once rather than grown.
                        SnapshotIo.Out records = new SnapshotIo.Out(data, (int) Math.min(Integer.MAX_VALUE / 2, ix.recordCount()));
                        counts[0] = writeRecords(records, codec, ix);
                        writeOrder(records, graph.personOrderKeys());
                        crc[0] = section.crc();
                        at[1] = section.section();
                        EventsWritten written = events.get();
                        counts[1] = written.events();
                        crc[1] = written.crc();
                        // Appended in the kernel, without passing through here; the trailer follows it.
                        data.flush();
                        try (FileChannel in = FileChannel.open(eventsTmp, StandardOpenOption.READ)) {
                            for (long pos = 0; pos < written.bytes(); ) {
                                long n = ch.transferFrom(in.position(pos), at[1] + pos, written.bytes() - pos);
                                if (n <= 0) throw new IOException("the events section's file ended at " + pos + " of " + written.bytes() + " bytes");
                                pos += n;
                            }
                        }
                        ch.position(at[1] + written.bytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (ExecutionException e) {
                        throw new UncheckedIOException(e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted while writing the graph snapshot"));
                    } finally {
                        // Never leave the lock with the other thread still reading the index.
                        joinQuietly(thread);
                    }
                });
                for (long v : new long[] {at[0], at[1], crc[0], crc[1], counts[0], counts[1], END}) data.writeLong(v);
                data.flush();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            done = true;
            return new Encoded(tmp, file, counts[0], counts[1], started);
        } finally {
            Files.deleteIfExists(eventsTmp);
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /** What the events section's encoding wrote: its events, bytes and checksum. */
    private record EventsWritten(long events, long bytes, long crc) {}

    private static EventsWritten writeEventsSection(Path file, SourceIndex ix) throws IOException {
        try (var out = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            SnapshotIo.SectionOutput section = new SnapshotIo.SectionOutput(out);
            DataOutputStream data = new DataOutputStream(section);
            // Strings are shared within a section only: the reader decodes the two apart.
            long events = writeEvents(new SnapshotIo.Out(data), ix);
            data.flush();
            return new EventsWritten(events, section.position(), section.crc());
        }
    }

    private static void joinQuietly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * What a snapshot must have been written under to be read: the record declarations, and two
     * person ids as this version derives them. Person records carry their unified person's key
     * (the read does not hash every email again), so a version that derived ids otherwise must
     * load from the store instead.
     */
    private static String schema(RecordCodec codec) {
        return codec.schema() + "ids:" + UnifiedIds.personByEmail("probe@cohort.invalid") + ","
                + UnifiedIds.personByRef(new SourceRef("probe", "1")) + ";";
    }

    private static long writeRecords(SnapshotIo.Out out, RecordCodec codec, SourceIndex ix) throws IOException {
        List<Stamped<? extends SourceRecord>> all = ix.records();
        SnapshotIo.Slot sources = out.slot("source");
        out.varLong(all.size());
        for (int i : arrivalOrder(all)) {
            Stamped<? extends SourceRecord> s = all.get(i);
            out.string(s.source(), sources);
            out.varLong(s.seq());
            codec.write(out, s.record());
            // Its person's key: a hash of the email that the read need not compute again (~1.9M at 1M profiles).
            if (s.record() instanceof SourceRecord.PersonRecord p) out.out.writeLong(SourceIndex.personKey(s.source(), p));
        }
        return all.size();
    }

    /**
     * The positions of {@code all} in the order of arrival, as a load from the store applies them;
     * records of one batch keep their order in the list (as a stable sort would). Sorted as numbers
     * (batch, position) rather than as objects: comparing millions of records one pointer away
     * took a quarter of a large checkpoint's time.
     */
    static int[] arrivalOrder(List<? extends Stamped<?>> all) {
        int n = all.size();
        int bits = 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1));
        long maxSeq = 0;
        for (Stamped<?> s : all) maxSeq = s.seq() < 0 ? Long.MAX_VALUE : Math.max(maxSeq, s.seq());
        int[] order = new int[n];
        if ((maxSeq >>> (63 - bits)) != 0) {
            // Batch numbers too large to share a long with a position (never, in practice): sort the positions as objects.
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) boxed[i] = i;
            java.util.Arrays.sort(boxed, Comparator.comparingLong(i -> all.get(i).seq()));
            for (int i = 0; i < n; i++) order[i] = boxed[i];
            return order;
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = all.get(i).seq() << bits | i;
        java.util.Arrays.sort(keys);
        long mask = (1L << bits) - 1;
        for (int i = 0; i < n; i++) order[i] = (int) (keys[i] & mask);
        return order;
    }

    /**
     * The full evaluation's order of everyone (person keys), in the records' checksum: the kept
     * order when there is one, else worked out here, at the stop, rather than at the next start's
     * first rule edit.
     */
    private static void writeOrder(SnapshotIo.Out out, long[] keys) throws IOException {
        out.varLong(keys.length);
        for (long k : keys) out.out.writeLong(k);
    }

    private static long writeEvents(SnapshotIo.Out out, SourceIndex ix) throws IOException {
        SnapshotIo.Slot sources = out.slot("source");
        SnapshotIo.Slot keys = out.slot("event.person");
        SnapshotIo.Slot types = out.slot("event.type");
        SnapshotIo.Slot urls = out.slot("event.url");
        SnapshotIo.Slot attrKeys = out.slot("event.attr.key");
        SnapshotIo.Slot attrValues = out.slot("event.attr.value");
        long[] n = {0};
        List<SourceIndex.SourcePerson> holders = ix.eventHolderList();
        out.varLong(holders.size());
        for (SourceIndex.SourcePerson pe : holders) {
            SourceRef ref = pe.ref;
            out.string(ref.source(), sources);
            out.string(ref.id(), keys);
            out.string(pe.series.source(), sources);
            out.varLong(pe.series.size());
            long[] last = {0};
            try {
                pe.series.forEach((id, at, type, url, attrs) -> {
                    try {
                        out.out.writeLong(id);
                        out.zigZag(at - last[0]);
                        last[0] = at;
                        out.string(type, types);
                        out.string(url, urls);
                        out.varLong(attrs == null ? 0 : attrs.size());
                        if (attrs != null) {
                            for (var e : attrs.entrySet()) {
                                out.string(e.getKey(), attrKeys);
                                out.string(e.getValue(), attrValues);
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            n[0] += pe.series.size();
        }
        return n[0];
    }

    /** The stamp of a snapshot file, read from its header; empty when absent or not of a format this version reads. */
    public static Optional<Stamp> stamp(Path file) { return header(file).map(Map.Entry::getValue); }

    /** The format and stamp of a snapshot file; empty when absent or not of a format this version reads. */
    private static Optional<Map.Entry<Integer, Stamp>> header(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 12))) {
            if (in.readLong() != MAGIC) return Optional.empty();
            int format = in.readInt();
            if (!readable(format) || !in.readUTF().equals(schema(new RecordCodec()))) return Optional.empty();
            return Optional.of(Map.entry(format, new Stamp(in.readUTF(), in.readLong(), in.readLong())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads a snapshot into {@code graph}, replacing its contents only once the whole file has
     * been read and checked; events at or before {@code eventHorizonMillis} are left out. The
     * events section is decoded on a second thread while this one applies the records.
     *
     * @throws IOException when the file is not a complete snapshot of {@code expected}: the graph is then unchanged
     */
    public static Figures read(Path file, Stamp expected, ProfileGraph graph, long eventHorizonMillis) throws IOException {
        long started = System.nanoTime();
        SourceIndex ix;
        long records;
        long events;
        try (FileChannel main = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel second = FileChannel.open(file, StandardOpenOption.READ)) {
            Trailer t = Trailer.read(main);
            // The header and the records, checksummed together; the stream is not closed: that
            // would close the channel under it.
            SnapshotIo.FastInput head = new SnapshotIo.FastInput(Channels.newInputStream(main.position(0)), t.eventsAt);
            DataInputStream data = new DataInputStream(head);
            if (data.readLong() != MAGIC) throw new IOException("not a graph snapshot");
            int format = data.readInt();
            if (!readable(format)) throw new IOException("a snapshot of another format");
            if (!data.readUTF().equals(schema(new RecordCodec()))) {
                throw new IOException("a snapshot of other record declarations or person ids");
            }
            Stamp stamp = new Stamp(data.readUTF(), data.readLong(), data.readLong());
            if (!stamp.equals(expected)) throw new IOException("a snapshot of " + stamp + ", the store is at " + expected);
            long horizon = data.readLong();
            long[] eventKey = {data.readLong(), data.readLong()};
            int[] sizes = new int[SourceIndex.Sizes.COUNT];
            // Bounded by the file (an entry takes bytes of it): a damaged size must not ask for a huge map.
            for (int i = 0; i < sizes.length; i++) sizes[i] = (int) Math.min(Math.max(0, data.readInt()), t.eventsEnd);
            ix = new SourceIndex(SourceIndex.Sizes.of(sizes), eventKey);
            ix.eventHorizonMillis = Math.max(horizon, eventHorizonMillis);
            if (head.consumed() != t.recordsAt) throw new IOException("the snapshot's header is not as long as written");
            FutureTask<EventsRead> eventsRead = new FutureTask<>(() -> readEventsSection(second, t, ix));
            Thread thread = new Thread(eventsRead, "cohort-snapshot-events");
            thread.setDaemon(true);
            thread.start();
            try {
                // The file shares repeated strings already: the records keep them as read.
                records = Values.asGiven(() -> readRecordsSection(head, t, ix));
                EventsRead read = eventsRead.get();
                ix.attachEvents(read.people());
                events = read.kept();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading the graph snapshot");
            } finally {
                if (!eventsRead.isDone()) {
                    second.close(); // stops the other thread's reads at once
                    try {
                        thread.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new IOException("the snapshot does not read back: " + e, e);
        }
        graph.replaceIndex(ix);
        return new Figures(records, events, Files.size(file), (System.nanoTime() - started) / 1_000_000);
    }

    /** The fixed-size end of a snapshot: where its sections are, their checksums and counts. */
    private record Trailer(long recordsAt, long eventsAt, long eventsEnd, long recordsCrc, long eventsCrc,
                           long records, long events) {
        static Trailer read(FileChannel ch) throws IOException {
            long size = ch.size();
            if (size < TRAILER + Long.BYTES) throw new IOException("the snapshot is incomplete");
            ByteBuffer b = ByteBuffer.allocate(TRAILER);
            ch.position(size - TRAILER);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) throw new java.io.EOFException("the snapshot ends early");
            }
            b.flip();
            Trailer t = new Trailer(b.getLong(), b.getLong(), size - TRAILER, b.getLong(), b.getLong(), b.getLong(), b.getLong());
            if (b.getLong() != END) throw new IOException("the snapshot is incomplete");
            if (t.recordsAt <= 0 || t.recordsAt > t.eventsAt || t.eventsAt > t.eventsEnd || t.records < 0 || t.events < 0) {
                throw new IOException("the snapshot's trailer is damaged");
            }
            return t;
        }
    }

    /** Applies the records that follow the header in {@code raw}. */
    private static long readRecordsSection(SnapshotIo.FastInput raw, Trailer t, SourceIndex ix) throws IOException {
        SnapshotIo.In in = new SnapshotIo.In(raw);
        RecordCodec codec = new RecordCodec();
        long records = in.count(Integer.MAX_VALUE);
        if (records != t.records) throw new IOException("the snapshot's record count does not match");
        for (long i = 0; i < records; i++) {
            String source = in.string();
            long seq = in.varLong();
            SourceRecord r = codec.read(in);
            if (r instanceof SourceRecord.PersonRecord p) ix.restorePerson(source, p, seq, in.readLong());
            else ix.restore(source, r, seq);
        }
        int n = in.count(Integer.MAX_VALUE);
        if (n > records) throw new IOException("the snapshot's order holds more people than records");
        long[] ordered = new long[n];
        for (int i = 0; i < n; i++) ordered[i] = in.readLong();
        // Checked against the people read (each exactly once); otherwise it is worked out at its first use.
        ix.personRefsByUid.restoreOrder(ordered);
        raw.finish("records", t.recordsCrc);
        return records;
    }

    /** The people of the events section with their series, in slot order, and how many events they hold. */
    private record EventsRead(List<Map.Entry<SourceRef, EventSeries>> people, long kept) {}

    /**
     * Fills only the event index, which the records thread never touches; the series are hung on
     * their people ({@link SourceIndex#attachEvents}) once the records are in.
     */
    private static EventsRead readEventsSection(FileChannel ch, Trailer t, SourceIndex ix) throws IOException {
        long length = t.eventsEnd - t.eventsAt;
        // Not closed: that would close the channel, which read() owns.
        SnapshotIo.FastInput raw = new SnapshotIo.FastInput(Channels.newInputStream(ch.position(t.eventsAt)), length);
        SnapshotIo.In in = new SnapshotIo.In(raw);
        int people = in.count(Integer.MAX_VALUE);
        // A person takes at least 4 bytes of the file: a damaged count cannot ask for a huge list.
        List<Map.Entry<SourceRef, EventSeries>> read = new ArrayList<>((int) Math.min(people, length / 4));
        long events = 0;
        long kept = 0;
        int[] counts = new int[1];
        for (int p = 0; p < people; p++) {
            Map.Entry<SourceRef, EventSeries> e = readEvents(in, ix, counts);
            events += counts[0];
            if (e == null) continue;
            read.add(e);
            kept += e.getValue().size();
        }
        raw.finish("events", t.eventsCrc);
        if (events != t.events) throw new IOException("the snapshot's event count does not match");
        // Checked first: the event index is filled at once, only from a file that read back whole.
        ix.restoreEventOwners(read);
        return new EventsRead(read, kept);
    }

    @SuppressWarnings("unchecked")
    private static Map.Entry<SourceRef, EventSeries> readEvents(SnapshotIo.In in, SourceIndex ix, int[] written) throws IOException {
        String nodeSource = in.string();
        String nodeKey = in.string();
        String source = in.string();
        int n = in.count(10_000_000);
        written[0] = n;
        long[] ids = new long[n];
        long[] at = new long[n];
        String[] types = new String[n];
        String[] urls = new String[n];
        Map<String, String>[] attrs = (Map<String, String>[]) new Map[n];
        long last = 0;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            long id = in.readLong();
            last += in.zigZag();
            String type = in.string();
            String url = in.string();
            int a = in.count(100_000);
            Map<String, String> m = Map.of();
            if (a > 0) {
                Map<String, String> read = new java.util.LinkedHashMap<>(a * 2);
                for (int j = 0; j < a; j++) read.put(in.string(), in.string());
                m = ix.shared(read);
            }
            if (last <= ix.eventHorizonMillis) continue; // past retention since it was written
            ids[kept] = id;
            at[kept] = last;
            types[kept] = type;
            urls[kept] = url;
            attrs[kept] = m;
            kept++;
        }
        if (kept == 0) return null;
        if (kept < n) {
            ids = java.util.Arrays.copyOf(ids, kept);
            at = java.util.Arrays.copyOf(at, kept);
            types = java.util.Arrays.copyOf(types, kept);
            urls = java.util.Arrays.copyOf(urls, kept);
            attrs = java.util.Arrays.copyOf(attrs, kept);
        }
        return Map.entry(new SourceRef(nodeSource, nodeKey), EventSeries.of(source, ids, at, types, urls, attrs));
    }
}
